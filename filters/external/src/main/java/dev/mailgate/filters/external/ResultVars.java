// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import java.util.ArrayList;
import java.util.List;

/**
 * The seeds' variables of one external filter: {@code <name>.result} (what the scanner found, in
 * the filter type's words), {@code <name>.action} (the verdict the filter gives: continue, accept,
 * reject, tempreject, discard) and {@code <name>.explanation} (virus name, spam report, reply
 * text). When the filter fails, the chain sets them to {@code error} / {@code timeout}, the
 * onError verdict and the reason.
 */
public final class ResultVars {
    public final Var<String> result;
    public final Var<String> action;
    public final Var<String> explanation;
    private final List<Var<?>> all = new ArrayList<>();

    /**
     * @param name      the filter's name in the policy
     * @param from      the first event at which the filter sets them
     * @param results   the words {@code .result} takes, for the variable reference
     */
    public ResultVars(String name, Stage from, String results) {
        result = Var.string(name + ".result", Scope.TRANSACTION, from, results + "; error or timeout when the scanner failed");
        action = Var.string(name + ".action", Scope.TRANSACTION, from, "verdict of " + name + ": continue, accept, reject, tempreject or discard");
        explanation = Var.string(name + ".explanation", Scope.TRANSACTION, from, "details from " + name + " (virus name, symbols, reply, failure)");
        all.addAll(List.of(result, action, explanation));
    }

    /** A further variable of this filter, listed by {@link #all()}. */
    public <T> Var<T> with(Var<T> extra) {
        all.add(extra);
        return extra;
    }

    public List<Var<?>> all() {
        return List.copyOf(all);
    }

    /**
     * The {@code maxSize} rule every scanner shares: a message of {@code size} bytes above it
     * (0: no limit) is not scanned; the filter reports {@code <FINDING_PREFIX>_SKIPPED}, counts it
     * and publishes "skipped". Empty when the message is to be scanned.
     */
    public java.util.Optional<Verdict> skipIfLarger(FilterContext ctx, long size, long maxSize, String findingPrefix, Health health) {
        if (maxSize <= 0 || size <= maxSize) return java.util.Optional.empty();
        health.skipped();
        String why = "message of " + size + " bytes is larger than maxSize " + maxSize;
        ctx.report(findingPrefix + "_SKIPPED", why);
        return java.util.Optional.of(publish(ctx, "skipped", Verdict.CONTINUE, why));
    }

    /** Publishes an outcome and returns its verdict. */
    public Verdict publish(FilterContext ctx, String resultWord, Verdict verdict, String explanationText) {
        ctx.set(result, resultWord);
        ctx.set(action, verdict.action());
        ctx.set(explanation, explanationText == null ? "" : explanationText);
        return verdict;
    }
}
