// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.Modification;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.smtp.relay.Reply;
import dev.mailgate.api.MessageBody;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the end-of-data verdict on the downstream:
 * <ul>
 * <li>reject / tempreject: RSET downstream (it has only MAIL and RCPT), the client gets the refusal;</li>
 * <li>discard: RSET downstream, the client gets 250;</li>
 * <li>accept / continue: when the sender or the recipients changed, RSET and the envelope is sent
 *     again; then DATA, the (edited) message and the final dot, and the downstream's own reply to
 *     the dot is the client's reply, so the client is told 250 only when the downstream said 250.</li>
 * </ul>
 */
final class MessageDelivery {
    private static final Logger LOG = LoggerFactory.getLogger(MessageDelivery.class);

    /** Messages up to this size, held in memory, are written from the event loop. */
    static final long ON_LOOP_LIMIT = 256 * 1024;

    private final ProxySession s;

    MessageDelivery(ProxySession s) {
        this.s = s;
    }

    CompletableFuture<After> deliver(StageResult r, MessageAssembler m) {
        Verdict v = r.verdict();
        if (Replies.isRefusal(v)) {
            return s.downstream.command("RSET").thenApply(x -> {
                if (Replies.disconnects(v)) {
                    s.close(Replies.refusal(v));
                    return After.CLOSE;
                }
                s.reply(Replies.refusal(v));
                return After.NEXT_COMMAND;
            });
        }
        if (v instanceof Verdict.Discard || s.envelope.discarded) {
            return s.downstream.command("RSET").thenApply(x -> {
                s.reply("250 2.0.0 Ok: discarded\r\n");
                return After.NEXT_COMMAND;
            });
        }
        List<Modification> mods = r.modifications();
        for (Modification mod : mods) {
            if (mod instanceof Modification.Quarantine q) {
                // SMTP has no hold queue: deliver (nothing is lost) and say so
                LOG.warn("session={} quarantine '{}' has no SMTP equivalent in proxy mode; delivering", s.session.sessionId(), q.reason());
            }
        }
        return envelope(mods).thenCompose(ok -> {
            if (!ok.isPositive()) {
                s.reply(ok.toWire());
                return CompletableFuture.completedFuture(After.NEXT_COMMAND);
            }
            return s.downstream.command("DATA").thenCompose(go -> {
                if (!go.isIntermediate()) return s.relayReply("DATA", go);
                return s.onLoop(stream(m, mods))
                        .thenCompose(last -> s.downstream.send(last))
                        .thenCompose(done -> s.relayReply("END-OF-DATA", done));
            });
        });
    }

    /**
     * Writes the message to the downstream on a virtual thread (the held content may be on disk,
     * and the downstream sets the pace: each piece is written before the next is read) and
     * completes with the last piece, which the caller sends to read the reply to the final dot.
     */
    private CompletableFuture<ByteBuf> stream(MessageAssembler m, List<Modification> mods) {
        MessageBody newBody = null;
        for (Modification mod : mods) {
            if (mod instanceof Modification.ReplaceBody b && newBody == null) newBody = b.body();
        }
        MessageBody body = newBody;
        HeldContent held = m.content();
        if (body == null && held.file() == null && held.size() <= ON_LOOP_LIMIT) {
            // a small message held in memory: nothing here can block, so no thread hand-off per
            // message; the pieces are queued on the channel at once (their errors break the
            // downstream, and the reply to the final dot then fails the session as usual)
            DotStuffer direct = new DotStuffer(s.ctx.alloc(), piece -> s.downstream.write(piece));
            try {
                return CompletableFuture.completedFuture(MessageWriter.write(m, mods, null, direct));
            } catch (IOException | InterruptedException | RuntimeException e) {
                direct.discard();
                return CompletableFuture.failedFuture(e);
            }
        }
        Duration timeout = s.settings.downstreamTimeout();
        DotStuffer out = new DotStuffer(s.ctx.alloc(), piece -> written(s.downstream.write(piece), timeout));
        CompletableFuture<ByteBuf> last = new CompletableFuture<>();
        HeldContent content = m.content();
        content.retain(); // the client may go away meanwhile: the file stays until we are done
        Thread.startVirtualThread(() -> {
            try {
                last.complete(MessageWriter.write(m, mods, body, out));
            } catch (Throwable e) {
                last.completeExceptionally(e);
            } finally {
                content.release();
            }
        });
        return last;
    }

    /** Waits until the downstream took a piece; a downstream that stops reading is a failed downstream. */
    private static void written(CompletableFuture<Void> write, Duration timeout) throws IOException {
        try {
            write.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            write.cancel(false);
            throw new IOException("the downstream MTA did not take message data within " + timeout.toSeconds() + " s", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while writing to the downstream MTA", e);
        }
    }

    /** Replays the envelope when the policy changed the sender or the recipients; else a 250 stand-in. */
    private CompletableFuture<Reply> envelope(List<Modification> mods) {
        Envelope e = s.envelope;
        String sender = e.sender;
        List<Envelope.Recipient> rcpts = new ArrayList<>(e.recipients);
        boolean changed = false;
        for (Modification mod : mods) {
            switch (mod) {
                case Modification.ChangeSender c -> { sender = c.address(); changed = true; }
                case Modification.AddRecipient a -> { rcpts.add(new Envelope.Recipient(a.address(), a.esmtpArgs())); changed = true; }
                case Modification.RemoveRecipient d -> {
                    rcpts.removeIf(x -> bare(x.address()).equals(bare(d.address())));
                    changed = true;
                }
                default -> { }
            }
        }
        if (!changed) return CompletableFuture.completedFuture(new Reply(250, List.of("2.0.0 Ok")));
        if (rcpts.isEmpty()) return CompletableFuture.completedFuture(new Reply(554, List.of("5.5.1 Error: no valid recipients")));
        String mail = "MAIL FROM:" + sender + (e.senderParams.isEmpty() ? "" : " " + e.senderParams);
        return s.downstream.command("RSET").thenCompose(x -> s.downstream.command(mail)).thenCompose(mr -> {
            if (!mr.isPositive()) return CompletableFuture.completedFuture(mr);
            CompletableFuture<Integer> accepted = CompletableFuture.completedFuture(0);
            for (Envelope.Recipient rc : rcpts) {
                String line = "RCPT TO:" + rc.address() + (rc.params().isEmpty() ? "" : " " + rc.params());
                accepted = accepted.thenCompose(n -> s.downstream.command(line).thenApply(rr -> {
                    if (rr.isPositive()) return n + 1;
                    LOG.warn("session={} downstream refused {} in the replayed envelope: {}", s.session.sessionId(), line, rr);
                    return n;
                }));
            }
            return accepted.thenApply(n -> n > 0 ? new Reply(250, List.of("2.0.0 Ok"))
                    : new Reply(554, List.of("5.5.1 Error: no valid recipients")));
        });
    }

    private static String bare(String address) {
        String a = address.strip();
        if (a.startsWith("<") && a.endsWith(">")) a = a.substring(1, a.length() - 1);
        return a.toLowerCase(Locale.ROOT);
    }
}
