// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.smtp.codec.SmtpRequest;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * MAIL, RCPT and RSET. The pipeline decides first; what it lets through is sent to the downstream
 * as the client wrote it (so DSN, SMTPUTF8 and other parameters pass unchanged) and the
 * downstream's own reply goes back to the client. A recipient the pipeline refuses never reaches
 * the downstream.
 */
final class EnvelopeCommands {
    private static final Pattern MAIL = Pattern.compile("(?i)FROM:\\s?(<[^<>]*>|[^\\s<>]+)(?:\\s+(.*))?");
    private static final Pattern RCPT = Pattern.compile("(?i)TO:\\s?(<[^<>]*>|[^\\s<>]+)(?:\\s+(.*))?");

    private final ProxySession s;

    EnvelopeCommands(ProxySession s) {
        this.s = s;
    }

    CompletableFuture<After> mail(SmtpRequest.Command c) {
        if (s.heloName == null) return s.answer("503 5.5.1 Error: send HELO/EHLO first\r\n");
        if (s.envelope.inTransaction) return s.answer("503 5.5.1 Error: nested MAIL command\r\n");
        Matcher m = MAIL.matcher(c.argument().strip());
        if (!m.matches()) return s.answer("501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
        String address = m.group(1);
        String paramText = m.group(2) == null ? "" : m.group(2).strip();
        List<String> params = paramText.isEmpty() ? List.of() : Arrays.asList(paramText.split("\\s+"));
        for (String p : params) {
            if (p.regionMatches(true, 0, "SIZE=", 0, 5)) {
                try {
                    if (Long.parseLong(p.substring(5)) > s.settings.maxDataSize()) {
                        return s.answer("552 5.3.4 Message size exceeds fixed limit\r\n");
                    }
                } catch (NumberFormatException e) {
                    return s.answer("501 5.5.4 Bad message size syntax\r\n");
                }
            }
        }
        return s.dispatch(new SessionEvent.MailFrom(address, params)).thenCompose(r -> {
            Verdict v = r.verdict();
            if (Replies.isRefusal(v)) return refuse(v);
            if (v instanceof Verdict.Discard) {
                // the message will be dropped: the downstream never hears of it
                s.envelope.begin(address, paramText);
                s.envelope.discarded = true;
                return s.answer("250 2.1.0 Ok\r\n");
            }
            return s.downstream.command("MAIL " + c.argument()).thenCompose(reply -> {
                if (reply.isPositive()) s.envelope.begin(address, paramText);
                return s.relayReply("MAIL", reply);
            });
        });
    }

    CompletableFuture<After> rcpt(SmtpRequest.Command c) {
        if (!s.envelope.inTransaction) return s.answer("503 5.5.1 Error: need MAIL command\r\n");
        Matcher m = RCPT.matcher(c.argument().strip());
        if (!m.matches()) return s.answer("501 5.5.4 Syntax: RCPT TO:<address>\r\n");
        String address = m.group(1);
        String paramText = m.group(2) == null ? "" : m.group(2).strip();
        List<String> params = paramText.isEmpty() ? List.of() : Arrays.asList(paramText.split("\\s+"));
        return s.dispatch(new SessionEvent.RcptTo(address, params)).thenCompose(r -> {
            Verdict v = r.verdict();
            if (Replies.isRefusal(v)) return refuse(v);
            if (v instanceof Verdict.Discard || s.envelope.discarded) {
                s.envelope.discarded = true;
                s.envelope.recipients.add(new Envelope.Recipient(address, paramText));
                return s.answer("250 2.1.5 Ok\r\n");
            }
            return s.downstream.command("RCPT " + c.argument()).thenCompose(reply -> {
                if (reply.isPositive()) s.envelope.recipients.add(new Envelope.Recipient(address, paramText));
                return s.relayReply("RCPT", reply);
            });
        });
    }

    CompletableFuture<After> rset(SmtpRequest.Command c) {
        s.envelope.clear();
        return s.dispatch(new SessionEvent.Reset())
                .thenCompose(r -> s.downstream.command("RSET"))
                .thenApply(reply -> {
                    s.reply(reply.toWire());
                    return After.NEXT_COMMAND;
                });
    }

    private CompletableFuture<After> refuse(Verdict v) {
        if (Replies.disconnects(v)) {
            s.close(Replies.refusal(v));
            return CompletableFuture.completedFuture(After.CLOSE);
        }
        return s.answer(Replies.refusal(v));
    }
}
