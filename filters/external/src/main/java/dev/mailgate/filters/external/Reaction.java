// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Verdict;
import java.util.Locale;
import java.util.Map;

/**
 * What a filter does when its scanner finds something, as clamav-milter ({@code OnInfected}) and
 * spamass-milter users configure it: {@code reject} or {@code tempreject} with a reply,
 * {@code discard} (clamav-milter's Blackhole), {@code quarantine} (Postfix hold queue; the message
 * is accepted), {@code accept}, or {@code continue} (only publish the result and let the rules and
 * scores decide).
 *
 * <p>The reply text may name the finding with {@code {placeholders}} ({@code {virus}},
 * {@code {score}}, ...), filled per message.
 */
public record Reaction(Kind kind, String reply) {
    public enum Kind { CONTINUE, ACCEPT, REJECT, TEMPREJECT, DISCARD, QUARANTINE }

    /** Reads {@code key} (and the reply under {@code replyKey}) from the filter's settings. */
    public static Reaction parse(FilterSettings s, String key, Kind defaultKind, String replyKey, String defaultReply) {
        String word = key == null ? defaultKind.name().toLowerCase(Locale.ROOT) : s.string(key, defaultKind.name().toLowerCase(Locale.ROOT));
        Kind kind;
        try {
            kind = Kind.valueOf(word.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw s.invalid(key, "must be reject, tempreject, discard, quarantine, accept or continue, not '" + word + "'");
        }
        String reply = s.string(replyKey, defaultReply);
        if (kind == Kind.REJECT || kind == Kind.TEMPREJECT) {
            try {
                SmtpReply r = SmtpReply.parse(reply, kind == Kind.REJECT ? 550 : 451);
                if (kind == Kind.REJECT ? !r.isPermanent() : !r.isTemporary()) {
                    throw s.invalid(replyKey, "a " + word + " needs a " + (kind == Kind.REJECT ? "5xx" : "4xx") + " reply, not '" + reply + "'");
                }
            } catch (IllegalArgumentException e) {
                throw s.invalid(replyKey, "invalid reply: " + e.getMessage());
            }
        }
        return new Reaction(kind, reply);
    }

    /** A reject whose reply is read from {@code replyKey} (checked to be a 5xx). */
    public static Reaction reject(FilterSettings s, String replyKey, String defaultReply) {
        return parse(s, null, Kind.REJECT, replyKey, defaultReply);
    }

    /**
     * The verdict for a hit; a quarantine is recorded as a message change (the verdict is then
     * continue, so that later filters still run and the message is held, not delivered).
     */
    public Verdict apply(FilterContext ctx, Map<String, String> values) {
        String text = fill(reply, values);
        return switch (kind) {
            case CONTINUE -> Verdict.CONTINUE;
            case ACCEPT -> Verdict.ACCEPT;
            case DISCARD -> Verdict.DISCARD;
            case REJECT -> Verdict.reject(text);
            case TEMPREJECT -> Verdict.tempReject(text);
            case QUARANTINE -> {
                // the reason is text for the operator, without the reply code a reject would carry
                String reason = String.join(" ", SmtpReply.parse(text, 550).lines()).strip();
                ctx.edit().quarantine(reason.isEmpty() ? "held by mailgate" : reason);
                yield Verdict.CONTINUE;
            }
        };
    }

    /** Replaces {@code {key}} by its value; CR, LF and NUL in values become spaces (reply safety). */
    public static String fill(String template, Map<String, String> values) {
        String out = template;
        for (Map.Entry<String, String> e : values.entrySet()) {
            String v = e.getValue() == null ? "" : e.getValue().replaceAll("[\\r\\n\\x00]+", " ");
            out = out.replace("{" + e.getKey() + "}", v);
        }
        return out;
    }
}
