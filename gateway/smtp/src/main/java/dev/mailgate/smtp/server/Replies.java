// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Verdict;

/** Verdicts as SMTP replies to the client; the defaults are Postfix's texts for milter refusals. */
final class Replies {
    static final String DEFAULT_REJECT = "550 5.7.1 Command rejected";
    static final String DEFAULT_TEMPREJECT = "451 4.7.1 Service unavailable - try again later";

    private Replies() {}

    /** True for the verdicts the client is told about as a refusal (reject, tempreject). */
    static boolean isRefusal(Verdict v) {
        return v instanceof Verdict.Reject || v instanceof Verdict.TempReject;
    }

    static boolean disconnects(Verdict v) {
        return v instanceof Verdict.Reject r && r.disconnect() || v instanceof Verdict.TempReject t && t.disconnect();
    }

    /** The wire text (CRLF-terminated) of a reject or tempreject, ignoring its disconnect flag. */
    static String text(Verdict v) {
        return switch (v) {
            case Verdict.Reject r -> (r.reply() == null ? SmtpReply.parse(DEFAULT_REJECT, 550) : r.reply()).toWireText() + "\r\n";
            case Verdict.TempReject t -> (t.reply() == null ? SmtpReply.parse(DEFAULT_TEMPREJECT, 451) : t.reply()).toWireText() + "\r\n";
            default -> throw new IllegalArgumentException("not a refusal: " + v);
        };
    }

    /** The wire text (CRLF-terminated) for a reject or tempreject. */
    static String refusal(Verdict v) {
        SmtpReply reply = switch (v) {
            case Verdict.Reject r -> r.reply() == null ? SmtpReply.parse(DEFAULT_REJECT, 550) : r.reply();
            case Verdict.TempReject t -> t.reply() == null ? SmtpReply.parse(DEFAULT_TEMPREJECT, 451) : t.reply();
            default -> throw new IllegalArgumentException("not a refusal: " + v);
        };
        if (disconnects(v) && reply.isTemporary() && reply.code() != 421) {
            // 421 tells the client that the connection is closing (RFC 5321 3.8)
            reply = new SmtpReply(421, reply.enhancedStatus(), reply.lines());
        }
        return reply.toWireText() + "\r\n";
    }

    /**
     * A refusal before the greeting (onConnect, onRelay): 554 for a reject, 421 for a tempreject
     * (RFC 5321 3.1: the only codes a greeting may refuse with), the text and enhanced status kept.
     */
    static String connectionRefusal(Verdict v) {
        return refusal(v).replaceFirst("^(\\d)\\d\\d", v instanceof Verdict.Reject ? "554" : "421");
    }
}
