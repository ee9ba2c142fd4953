// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.milter;

import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Verdict;
import dev.mailgate.milter.codec.MilterResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The downstream milter's answers in our terms. As Postfix does with several milters, a
 * downstream {@code accept} only ends that milter's part (it wants no more events); it does not
 * accept the message for the whole gateway. Reject, tempfail, a reply code and discard decide.
 */
final class Replies {
    private static final Pattern LINE = Pattern.compile("([245]\\d\\d)[ -](?:([245]\\.\\d{1,3}\\.\\d{1,3}) )?(.*)");

    private Replies() {}

    /** The word for {@code <name>.result}. */
    static String word(MilterResponse r) {
        return switch (r) {
            case null -> "continue";
            case MilterResponse.Accept a -> "accept";
            case MilterResponse.Reject x -> "reject";
            case MilterResponse.TempFail t -> "tempfail";
            case MilterResponse.Discard d -> "discard";
            case MilterResponse.ReplyCode rc -> rc.isTemporary() ? "tempfail" : "reject";
            case MilterResponse.Shutdown s -> "shutdown";
            case MilterResponse.Skip s -> "skip";
            default -> "continue";
        };
    }

    /** Our verdict for a final answer (null: the command got no answer, i.e. continue). */
    static Verdict verdict(MilterResponse r) {
        return switch (r) {
            case null -> Verdict.CONTINUE;
            case MilterResponse.Reject x -> new Verdict.Reject(null, false);
            case MilterResponse.TempFail t -> new Verdict.TempReject(null, false);
            case MilterResponse.Discard d -> Verdict.DISCARD;
            case MilterResponse.ReplyCode rc -> rc.isTemporary() ? new Verdict.TempReject(reply(rc.text()), false) : new Verdict.Reject(reply(rc.text()), false);
            case MilterResponse.Shutdown s -> new Verdict.TempReject(new SmtpReply(421, "4.7.0", List.of("Service shutting down")), true);
            case MilterResponse.ConnectionFailure f -> new Verdict.TempReject(null, false);
            default -> Verdict.CONTINUE; // continue, accept (that milter is done), skip, progress
        };
    }

    /**
     * Parses a reply as libmilter sends it ({@code 550 5.7.1 text}, several lines joined by CRLF
     * with {@code 550-} on all but the last); '%%' was doubled for Sendmail and is undone.
     */
    static SmtpReply reply(String wire) {
        String[] lines = wire.split("\r?\n");
        int code = Integer.parseInt(wire.substring(0, 3));
        String enhanced = "";
        List<String> texts = new ArrayList<>();
        for (String l : lines) {
            Matcher m = LINE.matcher(l);
            if (!m.matches()) {
                texts.add(l.replace("%%", "%"));
                continue;
            }
            if (m.group(2) != null && enhanced.isEmpty()) enhanced = m.group(2);
            texts.add(m.group(3).replace("%%", "%"));
        }
        if (!enhanced.isEmpty() && enhanced.charAt(0) != wire.charAt(0)) enhanced = "";
        return new SmtpReply(code, enhanced, texts);
    }

    /** The reply text of a deciding answer, for {@code <name>.explanation}. */
    static String explanation(MilterResponse r) {
        return r instanceof MilterResponse.ReplyCode rc ? rc.text().replace("\r\n", " | ") : "";
    }
}
