// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

/**
 * What a filter (or the policy) decides at a stage. Within a stage the chain stops at the first
 * verdict that is not {@link Continue}.
 *
 * <p>{@link Continue} means "no opinion, ask the next filter"; it is not {@link Accept}, which
 * accepts the message (or, at {@code onConnect}/{@code onEhlo}, the connection) and skips every
 * remaining filter.
 */
public sealed interface Verdict {
    Continue CONTINUE = new Continue();
    Accept ACCEPT = new Accept();
    Discard DISCARD = new Discard();

    /** The seeds' smtpAction word for this verdict. */
    String action();

    /** No opinion: the next filter, then the policy, decide. */
    record Continue() implements Verdict {
        public String action() { return "continue"; }
    }

    /** Accept and stop filtering (the message; the connection at onConnect / onEhlo). */
    record Accept() implements Verdict {
        public String action() { return "accept"; }
    }

    /** Accept towards the client and drop the message. */
    record Discard() implements Verdict {
        public String action() { return "discard"; }
    }

    /**
     * Permanent refusal (5xx). At onRcptTo it refuses that recipient only.
     *
     * @param reply the reply, or null for the MTA's default text
     */
    record Reject(SmtpReply reply, boolean disconnect) implements Verdict {
        public Reject {
            if (reply != null && !reply.isPermanent()) throw new IllegalArgumentException("reject needs a 5xx reply, got " + reply.code());
        }
        public String action() { return "reject"; }
    }

    /**
     * Temporary refusal (4xx): the client should retry later.
     *
     * @param reply the reply, or null for the MTA's default text
     */
    record TempReject(SmtpReply reply, boolean disconnect) implements Verdict {
        public TempReject {
            if (reply != null && !reply.isTemporary()) throw new IllegalArgumentException("tempreject needs a 4xx reply, got " + reply.code());
        }
        public String action() { return "tempreject"; }
    }

    static Verdict reject(String explanation) {
        return new Reject(SmtpReply.parse(explanation, 550), false);
    }

    static Verdict tempReject(String explanation) {
        return new TempReject(SmtpReply.parse(explanation, 451), false);
    }

    /** The verdict for a seed action word and explanation; null explanation = MTA default text. */
    static Verdict of(String action, String explanation) {
        boolean noText = explanation == null || explanation.isBlank();
        return switch (action) {
            case "continue", "" -> CONTINUE;
            case "accept" -> ACCEPT;
            case "discard" -> DISCARD;
            case "reject" -> noText ? new Reject(null, false) : reject(explanation);
            case "tempreject" -> noText ? new TempReject(null, false) : tempReject(explanation);
            default -> throw new IllegalArgumentException("unknown smtpAction '" + action
                    + "' (continue, accept, reject, tempreject, discard)");
        };
    }

    /** True if this verdict ends the stage. */
    default boolean isFinal() {
        return !(this instanceof Continue);
    }
}
