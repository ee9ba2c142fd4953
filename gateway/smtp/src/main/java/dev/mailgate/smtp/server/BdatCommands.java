// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.smtp.codec.SmtpRequest;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BDAT (RFC 3030 CHUNKING) on the client side. Each chunk is read by count and held with the rest
 * of the message ({@link DataCommands} owns it); a chunk without LAST is answered once it is held,
 * and at LAST the message goes through the same end-of-data verdict and delivery as after DATA:
 * the downstream gets DATA and the dot-stuffed message, so it needs no CHUNKING itself, and the
 * client's last reply is the downstream's reply to the final dot.
 *
 * <p>onData runs at the first chunk of a transaction. Whatever fails a chunk (onData's refusal,
 * no transaction, no recipient, maxDataSize, a bare CR or LF) is answered after the chunk was
 * read, so the client's next command is found where it expects it; the transaction is then
 * cleared (here and downstream) and every further BDAT gets the same reply until RSET, MAIL or EHLO
 * (RFC 3030 section 3: a pipelining client may already have sent the chunks that follow the
 * failed one, and they must be read and discarded).
 */
final class BdatCommands {
    private static final Logger LOG = LoggerFactory.getLogger(BdatCommands.class);
    /** {@code BDAT <size> [LAST]}: 18 digits at most, so the size always fits a long. */
    private static final Pattern BDAT = Pattern.compile("([0-9]{1,18})(?: +(?i:(LAST)))? *");

    private final ProxySession s;
    private final DataCommands data;
    /** The chunk being read, or null. */
    private Chunk chunk;
    private LineEnds lineEnds;

    /** One announced chunk; {@code failure} is its reply when its octets are to be thrown away. */
    private record Chunk(long size, boolean last, String failure) {}

    BdatCommands(ProxySession s, DataCommands data) {
        this.s = s;
        this.data = data;
    }

    /** True while a chunk's octets are being read. */
    boolean reading() {
        return chunk != null;
    }

    /** Octets of the chunk the decoder must read next. */
    long chunkSize() {
        return chunk.size();
    }

    CompletableFuture<After> bdat(SmtpRequest.Command c) {
        Matcher m = BDAT.matcher(c.argument());
        if (!m.matches()) {
            // without a size the chunk's end is unknown: its octets would be read as commands
            s.close("501 5.5.4 Syntax: BDAT count [LAST]\r\n");
            return CompletableFuture.completedFuture(After.CLOSE);
        }
        long size = Long.parseLong(m.group(1));
        boolean last = m.group(2) != null;
        Envelope e = s.envelope;
        if (e.chunkFailure != null) return expect(size, last, e.chunkFailure);
        if (!e.inTransaction) return expect(size, last, "503 5.5.1 Error: need MAIL command\r\n");
        if (e.recipients.isEmpty()) return expect(size, last, "554 5.5.1 Error: no valid recipients\r\n");
        if (data.inProgress()) return expect(size, last, null);
        return s.dispatch(new SessionEvent.Data()).thenCompose(r -> {
            Verdict v = r.verdict();
            if (Replies.isRefusal(v)) {
                if (Replies.disconnects(v)) {
                    s.close(Replies.refusal(v));
                    return CompletableFuture.completedFuture(After.CLOSE);
                }
                return expect(size, last, Replies.refusal(v));
            }
            if (v instanceof Verdict.Discard) e.discarded = true;
            data.open();
            lineEnds = new LineEnds();
            return expect(size, last, null);
        });
    }

    /** Reads the chunk's octets next; an empty chunk has none and is answered at once. */
    private CompletableFuture<After> expect(long size, boolean last, String failure) {
        chunk = new Chunk(size, last, failure);
        return size == 0 ? endOfChunk() : CompletableFuture.completedFuture(After.CHUNK);
    }

    /** Octets of the current chunk (the caller keeps its reference). */
    void content(ByteBuf octets) {
        if (chunk.failure() != null) return;
        if (!lineEnds.accept(octets)) {
            // the message is refused: stop holding it now, the rest of the chunk is thrown away
            chunk = new Chunk(chunk.size(), chunk.last(), "550 5.5.2 Error: " + lineEnds.violation() + " received in message content\r\n");
            data.discard();
            return;
        }
        data.content(octets);
    }

    /** The chunk was read: answer it, or at LAST decide and deliver the message. */
    CompletableFuture<After> endOfChunk() {
        Chunk done = chunk;
        chunk = null;
        if (done.failure() != null) return fail(done.failure());
        if (data.tooBig()) return fail("552 5.3.4 Error: message file too big\r\n");
        if (!done.last()) return s.answer("250 2.0.0 Ok: " + done.size() + " octets received\r\n");
        if (!lineEnds.endsClean()) {
            data.discard();
            return fail("550 5.5.2 Error: " + lineEnds.violation() + " received in message content\r\n");
        }
        lineEnds = null;
        return data.end();
    }

    /** DATA while chunks of the transaction were taken (RFC 3030 section 3: 503, state indeterminate). */
    CompletableFuture<After> refuseData() {
        return fail("503 5.5.1 Error: DATA after BDAT in the same transaction\r\n");
    }

    /** Ends the transaction here and downstream; later chunks of it get the same reply. */
    private CompletableFuture<After> fail(String reply) {
        Envelope e = s.envelope;
        // the downstream may have MAIL and RCPT even when the message is discarded (discard at RCPT)
        boolean downstreamHasIt = e.inTransaction;
        if (e.inTransaction) LOG.info("session={} client={} BDAT refused, transaction cleared: {}", s.session.sessionId(), s.client, reply.strip());
        data.discard();
        lineEnds = null;
        e.clear();
        e.chunkFailure = reply;
        CompletableFuture<?> reset = downstreamHasIt ? s.downstream.command("RSET") : CompletableFuture.completedFuture(null);
        return reset.thenApply(x -> {
            s.reply(reply);
            return After.NEXT_COMMAND;
        });
    }
}
