// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.chain;

import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Verdict;

/**
 * What happens when a filter throws or overruns its deadline: {@code tempreject} (the default:
 * the client retries, nothing is lost), {@code accept}, {@code continue}, or a score added to the
 * message (YAML: {@code onError: tempreject | accept | continue | {score: 5}}).
 */
public record OnError(Kind kind, double score) {
    public enum Kind { TEMPREJECT, ACCEPT, CONTINUE, SCORE }

    public static final OnError TEMPREJECT = new OnError(Kind.TEMPREJECT, 0);
    public static final OnError ACCEPT = new OnError(Kind.ACCEPT, 0);
    public static final OnError CONTINUE = new OnError(Kind.CONTINUE, 0);

    public static OnError score(double score) {
        return new OnError(Kind.SCORE, score);
    }

    /** The verdict this outcome gives at a stage (a score continues). */
    public Verdict verdict(String filterName) {
        return switch (kind) {
            case TEMPREJECT -> new Verdict.TempReject(new SmtpReply(451, "4.7.1",
                    java.util.List.of("Temporary failure in filter " + filterName + ", try again later")), false);
            case ACCEPT -> Verdict.ACCEPT;
            case CONTINUE, SCORE -> Verdict.CONTINUE;
        };
    }

    @Override
    public String toString() {
        return kind == Kind.SCORE ? "score " + score : kind.name().toLowerCase();
    }
}
