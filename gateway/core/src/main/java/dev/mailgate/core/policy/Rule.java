// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.mailgate.api.Stage;
import java.util.List;
import java.util.Optional;

/**
 * A compiled rule: a CEL condition over the session's variables and the actions to run when it
 * holds. A missing condition always holds.
 *
 * @param name      {@code onConnect[trusted]} or {@code onConnect[2]}
 * @param condition the expression as written, or null
 */
public record Rule(String name, Stage stage, String condition, CelRuntime.Program program, List<RuleAction> actions) {
    public Rule {
        actions = List.copyOf(actions);
    }

    /** Evaluates the condition; an evaluation error (e.g. a missing map key) is reported as such. */
    public boolean matches(RuleTarget target) throws CelEvaluationException {
        if (program == null) return true;
        Object r = program.eval(name -> Optional.ofNullable(target.read(name).orElse(null)));
        return Boolean.TRUE.equals(r);
    }
}
