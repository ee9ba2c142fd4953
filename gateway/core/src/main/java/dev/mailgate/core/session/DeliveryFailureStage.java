// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static dev.mailgate.api.StandardVars.SMTP_ACTION;
import static dev.mailgate.api.StandardVars.SMTP_EXPLANATION;

import dev.mailgate.api.Stage;
import dev.mailgate.api.Verdict;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** onDeliveryFailure / onTemporaryDeliveryFailure: what the client is told when the downstream refused. */
final class DeliveryFailureStage {
    // the session's logger: these lines were always the session's, and log settings name it
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final java.util.regex.Pattern ENHANCED = java.util.regex.Pattern.compile("^\\d{3}[ -]([245]\\.\\d{1,3}\\.\\d{1,3}) ");

    private DeliveryFailureStage() {}

    /**
     * The downstream refused something (SMTP proxy). Runs even after an accept at onConnect or a
     * decided message: the client's reply is being chosen now. Only reject / tempreject count as
     * verdicts (the client is never told 250 for what the downstream refused); a rule that only
     * sets smtpExplanation changes the text and keeps the downstream's code and enhanced status.
     */
    static StageResult judge(SessionEvent.DeliveryFailure f, VarStore vars, StageRunner runner, String id) {
        Stage s = f.stage();
        vars.set(dev.mailgate.core.policy.DeliveryVars.DELIVERY_COMMAND, f.command());
        vars.set(dev.mailgate.core.policy.DeliveryVars.DELIVERY_CODE, (long) f.code());
        vars.set(dev.mailgate.core.policy.DeliveryVars.DELIVERY_REPLY, f.reply());
        String earlierExplanation = vars.get(SMTP_EXPLANATION);
        vars.set(SMTP_EXPLANATION, null);
        StageResult r = runner.stage(s);
        String explanation = vars.get(SMTP_EXPLANATION);
        vars.set(SMTP_EXPLANATION, earlierExplanation.isEmpty() ? null : earlierExplanation);
        vars.set(SMTP_ACTION, "continue");
        Verdict v = r.verdict();
        if (v instanceof Verdict.Reject || v instanceof Verdict.TempReject) {
            LOG.debug("session={} {} of {} ({}) -> {} by {}", id, s.eventName(), f.command(), f.code(), v.action(), r.decidedBy());
            return r;
        }
        if (explanation.isBlank()) return StageResult.CONTINUE;
        String text = explanation.strip();
        if (!text.matches("(?s)[245]\\d\\d([ -].*)?")) {
            // text only: the downstream's code and enhanced status, the policy's words
            String first = f.reply().lines().findFirst().orElse("");
            java.util.regex.Matcher m = ENHANCED.matcher(first);
            text = f.code() + " " + (m.find() ? m.group(1) + " " : "") + text;
        }
        try {
            return StageResult.of(Verdict.of(f.code() >= 500 ? "reject" : "tempreject", text), "smtpExplanation");
        } catch (IllegalArgumentException e) {
            LOG.warn("session={} {}: smtpExplanation '{}' is not a valid reply ({}); relaying the downstream's", id, s.eventName(), text, e.getMessage());
            return StageResult.CONTINUE;
        }
    }
}
