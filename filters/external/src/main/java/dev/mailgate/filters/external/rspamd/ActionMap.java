// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.rspamd;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Verdict;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What each rspamd action means here. The defaults are those of rspamd's own milter: reject
 * refuses (with rspamd's smtp_message if it gave one), soft reject and greylist defer, add header
 * and rewrite subject tag the message and deliver it. Each can be changed: {@code onReject},
 * {@code onSoftReject}, {@code onGreylist}, {@code onAddHeader}, {@code onRewriteSubject} take
 * reject, tempreject, discard, quarantine, accept, continue or tag.
 */
final class ActionMap {
    static final Map<String, String> KEYS = Map.of("reject", "onReject", "soft reject", "onSoftReject", "greylist", "onGreylist",
            "add header", "onAddHeader", "rewrite subject", "onRewriteSubject");
    private static final Map<String, String> DEFAULTS = Map.of("reject", "reject", "soft reject", "tempreject", "greylist", "tempreject",
            "add header", "tag", "rewrite subject", "tag");

    private ActionMap() {}

    /** One reaction: a verdict word, and whether the message is tagged when delivered. */
    record Reaction(String word, String reply) {
        static final Reaction CONTINUE = new Reaction("continue", "");

        boolean tag() {
            return word.equals("tag") || word.equals("quarantine");
        }

        Verdict verdict(FilterContext ctx, String rspamdMessage, double score) {
            String text = rspamdMessage.isBlank() ? reply : rspamdMessage;
            return switch (word) {
                case "reject" -> new Verdict.Reject(smtpReply(text, true), false);
                case "tempreject" -> new Verdict.TempReject(smtpReply(text, false), false);
                case "discard" -> Verdict.DISCARD;
                case "accept" -> Verdict.ACCEPT;
                case "quarantine" -> {
                    ctx.edit().quarantine("rspamd score " + score);
                    yield Verdict.CONTINUE;
                }
                default -> Verdict.CONTINUE; // tag, continue
            };
        }
    }

    /**
     * rspamd's smtp_message comes without codes ("Gtube pattern"): the action decides the class,
     * 5.7.1 / 4.7.1 is the default detail, and a code of the wrong class is replaced.
     */
    static SmtpReply smtpReply(String text, boolean permanent) {
        int code = permanent ? 554 : 451;
        String detail = permanent ? "5.7.1" : "4.7.1";
        String t = text.strip();
        boolean hasEnhanced = t.matches("(?s)^(?:[245]\\d\\d[ -])?\\s*[245]\\.\\d{1,3}\\.\\d{1,3}(?:\\s.*)?$");
        SmtpReply r = SmtpReply.parse(hasEnhanced ? t : detail + " " + t, code);
        if (r.isPermanent() != permanent) return new SmtpReply(code, detail, r.lines());
        return r;
    }

    static Map<String, Reaction> parse(FilterSettings s) {
        Map<String, Reaction> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : KEYS.entrySet()) {
            String word = s.string(e.getValue(), DEFAULTS.get(e.getKey())).toLowerCase(Locale.ROOT);
            if (!List.of("reject", "tempreject", "discard", "quarantine", "accept", "continue", "tag").contains(word)) {
                throw s.invalid(e.getValue(), "must be reject, tempreject, discard, quarantine, accept, continue or tag, not '" + word + "'");
            }
            String reply = switch (word) {
                case "reject" -> s.string("reply", "554 5.7.1 Spam message rejected");
                case "tempreject" -> s.string("tempReply", "451 4.7.1 Try again later");
                default -> "";
            };
            out.put(e.getKey(), new Reaction(word, reply));
        }
        return out;
    }
}
