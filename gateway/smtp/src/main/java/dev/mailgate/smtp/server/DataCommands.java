// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.smtp.codec.SmtpRequest;
import io.netty.buffer.ByteBuf;
import java.util.concurrent.CompletableFuture;

/**
 * DATA and the content after it, and the held message of a transaction (BDAT chunks are added to
 * it by {@link BdatCommands}). The client gets our 354 once onData passed and the downstream
 * accepted at least one recipient; the downstream gets its DATA only at the end, after the
 * pipeline's final verdict (see {@link MessageDelivery}), so a refused or discarded message never
 * reaches it and never has to be taken back.
 */
final class DataCommands {
    private final ProxySession s;
    private MessageAssembler message;

    DataCommands(ProxySession s) {
        this.s = s;
    }

    boolean inProgress() {
        return message != null;
    }

    CompletableFuture<After> data(SmtpRequest.Command c) {
        if (!c.argument().isBlank()) return s.answer("501 5.5.4 Syntax: DATA\r\n");
        if (!s.envelope.inTransaction) return s.answer("503 5.5.1 Error: need MAIL command\r\n");
        if (s.envelope.recipients.isEmpty()) return s.answer("554 5.5.1 Error: no valid recipients\r\n");
        return s.dispatch(new SessionEvent.Data()).thenApply(r -> {
            Verdict v = r.verdict();
            if (Replies.isRefusal(v)) {
                if (Replies.disconnects(v)) {
                    s.close(Replies.refusal(v));
                    return After.CLOSE;
                }
                s.reply(Replies.refusal(v));
                return After.NEXT_COMMAND;
            }
            if (v instanceof Verdict.Discard) s.envelope.discarded = true;
            open();
            s.reply("354 End data with <CR><LF>.<CR><LF>\r\n");
            return After.CONTENT;
        });
    }

    /** Starts holding a new message (onData let it through). */
    void open() {
        message = new MessageAssembler(s, s.settings.maxDataSize(), s.settings.spillThreshold(), s.settings.spillDirectory());
    }

    /** True once the message passed maxDataSize: its content is no longer held. */
    boolean tooBig() {
        return message != null && message.tooBig();
    }

    /** True while the held message's disk writes or body events are behind: do not read from the client. */
    boolean backlogged() {
        return message != null && message.backlogged();
    }

    void content(ByteBuf data) {
        if (message != null) message.append(data);
    }

    /** The final dot or the last chunk: decide, then deliver downstream (or not) and answer the client. */
    CompletableFuture<After> end() {
        MessageAssembler m = message;
        if (m.tooBig()) {
            return finish(m, CompletableFuture.completedFuture(StageResult.of(
                    Verdict.reject("552 5.3.4 Error: message file too big"), "maxDataSize")));
        }
        m.finish();
        CompletableFuture<StageResult> decided = s.onLoop(m.content().settled()).thenCompose(diskError -> {
            if (diskError != null) {
                // logged where it happened; the client keeps the message and tries again
                return CompletableFuture.completedFuture(StageResult.of(
                        Verdict.tempReject("451 4.3.0 Error: the message could not be held, try again later"), "spillDirectory"));
            }
            return m.earlyVerdict().thenCompose(early -> early != null
                    ? CompletableFuture.completedFuture(StageResult.of(early, "early"))
                    : s.dispatch(new SessionEvent.EndOfData()));
        });
        return finish(m, decided);
    }

    private CompletableFuture<After> finish(MessageAssembler m, CompletableFuture<StageResult> decided) {
        return s.onLoop(decided)
                .thenCompose(r -> new MessageDelivery(s).deliver(r, m))
                .whenComplete((a, e) -> {
                    m.release();
                    if (message == m) message = null;
                    s.envelope.clear();
                });
    }

    /** The connection ended mid-message, or the message was refused before its end: free the held content. */
    void discard() {
        if (message != null) {
            message.release();
            message = null;
        }
    }
}
