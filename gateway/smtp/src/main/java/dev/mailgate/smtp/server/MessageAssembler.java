// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import io.netty.buffer.ByteBuf;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Holds one message's content until the end-of-data verdict ({@link HeldContent}: in memory,
 * then on disk) and feeds the pipeline while it arrives: a Header event per field as soon as the
 * field is complete, then EndOfHeaders, then BodyChunk events of at most 64 KiB. The message is
 * held because the verdict and the header / envelope changes only exist after the last byte, and
 * the downstream must not see a final dot before that; its size is bounded by maxDataSize.
 * Body chunks waiting for the pipeline count in the message's {@link Backlog}, like queued disk
 * writes: a slow filter slows the client down instead of filling our memory.
 */
final class MessageAssembler implements HeaderScanner.Listener {
    static final int BODY_CHUNK = 64 * 1024;

    /** One header field: its name and its octets {@code [start, end)} in the held content, CRLF and continuation lines included. */
    record Field(String name, long start, long end) {}

    private final ProxySession s;
    private final long maxSize;
    private final HeldContent held;
    private final Backlog backlog;
    private final HeaderScanner headers = new HeaderScanner(this);
    private final List<Field> fields = new ArrayList<>();
    private final List<CompletableFuture<StageResult>> results = new ArrayList<>();
    private long size;
    private boolean tooBig;
    /** Where the header block ends (the blank line, or the first non-header line) and the body starts. */
    private long headerEnd = -1;
    private long bodyStart = -1;
    private byte[] body = new byte[BODY_CHUNK];
    private int bodyFill;
    private volatile boolean skipBody;
    private boolean released;

    MessageAssembler(ProxySession s, long maxSize, long spillThreshold, java.nio.file.Path spillDirectory) {
        this.s = s;
        this.maxSize = maxSize;
        this.backlog = new Backlog(s.ctx.executor(), s::readMore);
        this.held = new HeldContent(s.ctx.alloc(), spillThreshold, spillDirectory, backlog);
    }

    /** Adds content (the caller keeps its own reference). */
    void append(ByteBuf data) {
        if (tooBig) return;
        size += data.readableBytes();
        if (size > maxSize) {
            tooBig = true; // keep reading to the end, then answer 552; what was held goes now
            release();
            return;
        }
        held.append(data);
        int bodyFrom = data.readerIndex();
        if (!headers.done()) bodyFrom += headers.scan(data);
        if (headers.done()) addBody(data, bodyFrom, data.writerIndex());
    }

    boolean tooBig() {
        return tooBig;
    }

    /** True while the disk or the pipeline is behind: read nothing more from the client for now. */
    boolean backlogged() {
        return backlog.full();
    }

    /** Completes the header block if the message had no blank line, and sends the last body chunk. */
    void finish() {
        headers.finish();
        if (bodyFill > 0 && !skipBody) dispatchBody();
    }

    /** The first reject / tempreject / discard the pipeline gave while the content arrived, or null. */
    CompletableFuture<Verdict> earlyVerdict() {
        return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(x -> {
            for (var f : results) {
                Verdict v = f.join().verdict();
                if (Replies.isRefusal(v) || v instanceof Verdict.Discard) return v;
            }
            return null;
        });
    }

    HeldContent content() {
        return held;
    }

    List<Field> fields() {
        return fields;
    }

    long headerEnd() {
        return headerEnd;
    }

    long bodyStart() {
        return bodyStart;
    }

    /**
     * Drops this owner's hold on the content, once however often it is called (a lost connection
     * and the end of a delivery may both ask); a delivery still reading it holds its own.
     */
    void release() {
        if (released) return;
        released = true;
        held.release();
        body = null;
    }

    @Override
    public void field(String name, long start, long end, String value) {
        fields.add(new Field(name, start, end));
        results.add(s.dispatch(new SessionEvent.Header(name, value)));
    }

    @Override
    public void end(long headerEnd, long bodyStart, byte[] bodyPrefix) {
        this.headerEnd = headerEnd;
        this.bodyStart = bodyStart;
        results.add(s.dispatch(new SessionEvent.EndOfHeaders()));
        addBody(bodyPrefix);
    }

    private void addBody(ByteBuf data, int from, int to) {
        while (from < to && !skipBody && body != null) {
            int n = Math.min(to - from, BODY_CHUNK - bodyFill);
            data.getBytes(from, body, bodyFill, n);
            bodyFill += n;
            from += n;
            if (bodyFill == BODY_CHUNK) dispatchBody();
        }
    }

    private void addBody(byte[] prefix) {
        // at most a line's start (MAX_NAME octets), so it always fits the empty chunk
        if (body == null || skipBody) return;
        System.arraycopy(prefix, 0, body, bodyFill, prefix.length);
        bodyFill += prefix.length;
    }

    private void dispatchBody() {
        byte[] chunk = bodyFill == BODY_CHUNK ? body : java.util.Arrays.copyOf(body, bodyFill);
        body = new byte[BODY_CHUNK];
        bodyFill = 0;
        backlog.add(chunk.length);
        held.notePeak();
        var f = s.dispatch(new SessionEvent.BodyChunk(chunk));
        f.whenComplete((r, e) -> {
            backlog.done(chunk.length);
            if (r != null && r.skipBody()) skipBody = true;
        });
        results.add(f);
    }
}
