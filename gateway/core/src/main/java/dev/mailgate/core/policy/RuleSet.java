// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.cel.runtime.CelEvaluationException;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules of one event, run in order. A rule whose actions set {@code smtpAction} to anything
 * but {@code continue} decides the stage and ends the evaluation.
 */
public record RuleSet(List<Rule> rules) {
    private static final Logger LOG = LoggerFactory.getLogger(RuleSet.class);
    public static final RuleSet EMPTY = new RuleSet(List.of());

    public RuleSet {
        rules = List.copyOf(rules);
    }

    /** The verdict and the rule that gave it. */
    public record Outcome(Verdict verdict, String rule) {
        static final Outcome NONE = new Outcome(Verdict.CONTINUE, null);
    }

    public Outcome evaluate(RuleTarget target) {
        for (Rule rule : rules) {
            boolean hit;
            try {
                hit = rule.matches(target);
            } catch (CelEvaluationException e) {
                // e.g. headers["x-missing"][0]: the rule does not apply, and the operator hears why
                LOG.warn("session={} rule {} could not be evaluated ({}); treated as not matching", target.sessionId(), rule.name(), e.getMessage());
                continue;
            }
            if (!hit) continue;
            for (RuleAction a : rule.actions()) {
                try {
                    a.apply(target);
                } catch (RuntimeException e) {
                    LOG.warn("session={} rule {} action '{}' failed: {}", target.sessionId(), rule.name(), a.describe(), e.getMessage());
                }
            }
            Verdict direct = target.takeDecision();
            if (direct != null && direct.isFinal()) {
                target.set(StandardVars.SMTP_ACTION, "continue");
                target.set(StandardVars.SMTP_EXPLANATION, null);
                return new Outcome(direct, rule.name());
            }
            String action = target.read(StandardVars.SMTP_ACTION.name()).map(String::valueOf).orElse("");
            if (!action.isEmpty() && !action.equals("continue")) {
                String explanation = target.read(StandardVars.SMTP_EXPLANATION.name()).map(String::valueOf).orElse("");
                Verdict v;
                try {
                    v = Verdict.of(action, explanation);
                } catch (IllegalArgumentException e) {
                    LOG.warn("session={} rule {} set an invalid reply ({}); using the MTA's default text", target.sessionId(), rule.name(), e.getMessage());
                    v = Verdict.of(action, null);
                }
                target.set(StandardVars.SMTP_ACTION, "continue");
                target.set(StandardVars.SMTP_EXPLANATION, null);
                return new Outcome(v, rule.name());
            }
        }
        return Outcome.NONE;
    }
}
