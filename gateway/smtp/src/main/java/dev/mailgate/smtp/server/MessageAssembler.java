// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Holds one message's content (un-stuffed, CRLF) until the end-of-data verdict and feeds the
 * pipeline while it arrives: a Header event per field as soon as the field is complete, then
 * EndOfHeaders, then BodyChunk events of at most 64 KiB. The message is held whole because the
 * verdict and the header / envelope changes only exist after the last byte, and the downstream
 * must not see a final dot before that; its size is bounded by maxDataSize.
 */
final class MessageAssembler {
    static final int BODY_CHUNK = 64 * 1024;

    /** One header field: name and its bytes in {@link #content()}, CRLF and continuation lines included. */
    record Field(String name, int start, int end) {}

    private final ProxySession s;
    private final long maxSize;
    private final CompositeByteBuf held;
    private final List<Field> fields = new ArrayList<>();
    private final List<CompletableFuture<StageResult>> results = new ArrayList<>();
    private long size;
    private boolean tooBig;
    private boolean inHeaders = true;
    private int scanned;
    private int fieldStart = -1;
    private String fieldName;
    /** Where the header block ends (the blank line, or the first non-header line) and the body starts. */
    private int headerEnd = -1;
    private int bodyStart = -1;
    private int bodyDispatched;
    private volatile boolean skipBody;

    MessageAssembler(ProxySession s, ByteBufAllocator alloc, long maxSize) {
        this.s = s;
        this.maxSize = maxSize;
        this.held = alloc.compositeBuffer(4096);
    }

    /** Adds content (the caller keeps its own reference). */
    void append(ByteBuf data) {
        if (tooBig) return;
        size += data.readableBytes();
        if (size > maxSize) {
            tooBig = true; // keep reading to the final dot, then answer 552
            return;
        }
        held.addComponent(true, data.retain());
        if (inHeaders) scanHeaders();
        if (!inHeaders) dispatchBody(false);
    }

    boolean tooBig() {
        return tooBig;
    }

    /** Completes the header block if the message had no blank line, and sends the last body chunk. */
    void finish() {
        if (inHeaders) endHeaders(held.writerIndex(), held.writerIndex());
        dispatchBody(true);
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

    ByteBuf content() {
        return held;
    }

    List<Field> fields() {
        return fields;
    }

    int headerEnd() {
        return headerEnd;
    }

    int bodyStart() {
        return bodyStart;
    }

    void release() {
        if (held.refCnt() > 0) held.release();
    }

    private void scanHeaders() {
        int end = held.writerIndex();
        while (inHeaders) {
            int eol = held.indexOf(scanned, end, (byte) '\n');
            if (eol < 0) return; // the line is not complete yet (lines always end in CRLF here)
            int lineStart = scanned;
            scanned = eol + 1;
            int len = eol - 1 - lineStart; // without CRLF
            if (len == 0) {
                endHeaders(lineStart, scanned);
            } else {
                byte first = held.getByte(lineStart);
                if ((first == ' ' || first == '\t') && fieldStart >= 0) continue; // folded continuation
                int colon = held.indexOf(lineStart, eol, (byte) ':');
                String name = colon > lineStart ? held.toString(lineStart, colon - lineStart, StandardCharsets.ISO_8859_1) : null;
                if (name == null || !name.chars().allMatch(ch -> ch > 32 && ch < 127)) {
                    endHeaders(lineStart, lineStart); // not a header: the body starts here, without a blank line
                } else {
                    flushField(lineStart);
                    fieldStart = lineStart;
                    fieldName = name;
                }
            }
        }
    }

    private void flushField(int end) {
        if (fieldStart < 0) return;
        fields.add(new Field(fieldName, fieldStart, end));
        String raw = held.toString(fieldStart, end - fieldStart - 2, StandardCharsets.UTF_8);
        String value = raw.substring(fieldName.length() + 1);
        if (value.startsWith(" ")) value = value.substring(1);
        results.add(s.dispatch(new SessionEvent.Header(fieldName, value)));
        fieldStart = -1;
    }

    private void endHeaders(int headerEnd, int bodyStart) {
        flushField(headerEnd);
        inHeaders = false;
        this.headerEnd = headerEnd;
        this.bodyStart = bodyStart;
        this.bodyDispatched = bodyStart;
        results.add(s.dispatch(new SessionEvent.EndOfHeaders()));
    }

    private void dispatchBody(boolean last) {
        while (!skipBody && (held.writerIndex() - bodyDispatched >= BODY_CHUNK || last && held.writerIndex() > bodyDispatched)) {
            int n = Math.min(BODY_CHUNK, held.writerIndex() - bodyDispatched);
            byte[] chunk = new byte[n];
            held.getBytes(bodyDispatched, chunk);
            bodyDispatched += n;
            var f = s.dispatch(new SessionEvent.BodyChunk(chunk));
            f.thenAccept(r -> { if (r.skipBody()) skipBody = true; });
            results.add(f);
        }
    }
}
