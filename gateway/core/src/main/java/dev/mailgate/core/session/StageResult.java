// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.Modification;
import dev.mailgate.api.Verdict;
import java.util.List;

/**
 * The session's answer to one event.
 *
 * @param verdict       what to tell the MTA or client
 * @param modifications message changes, non-empty only at the end of data
 * @param skipBody      at a body chunk: no filter wants more of the body
 * @param decidedBy     which filter or rule decided ("filter limits", "rule onConnect[trusted]"), or null
 */
public record StageResult(Verdict verdict, List<Modification> modifications, boolean skipBody, String decidedBy) {
    public static final StageResult CONTINUE = new StageResult(Verdict.CONTINUE, List.of(), false, null);
    public static final StageResult SKIP_BODY = new StageResult(Verdict.CONTINUE, List.of(), true, null);

    public StageResult {
        modifications = List.copyOf(modifications);
    }

    public static StageResult of(Verdict verdict, String decidedBy) {
        return verdict instanceof Verdict.Continue && decidedBy == null ? CONTINUE : new StageResult(verdict, List.of(), false, decidedBy);
    }
}
