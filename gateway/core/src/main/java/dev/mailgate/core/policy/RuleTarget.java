// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.MessageEditor;
import dev.mailgate.api.Var;
import java.util.Optional;

/** What a rule may read and change: implemented by the session. */
public interface RuleTarget {
    String sessionId();

    /**
     * The value of a variable by name as a rule sees it: the standard and filter variables,
     * {@code macro} (map of the MTA's macros by bare name) and {@code headers} (map of lower-case
     * name to values). Empty if the name is unknown.
     */
    Optional<Object> read(String name);

    <T> void set(Var<T> var, T value);

    MessageEditor edit();

    /** Reports a finding whose weight comes from the policy's {@code scores:}. */
    void report(String symbol, String detail);

    /** Adds a fixed score under a rule's name. */
    void addScore(String name, double score);

    /** Makes a filter declared with {@code addFilter} available to {@code executeFilters}. */
    default void addFilter(String name) {
        throw new UnsupportedOperationException("addFilter");
    }

    /**
     * Runs the added filters matching {@code names} at the current event; with {@code decide},
     * their first final verdict is kept for {@link #takeDecision()}.
     */
    default void executeFilters(NamePattern names, boolean decide) {
        throw new UnsupportedOperationException("executeFilters");
    }

    /** A verdict an action gave directly (executeFilters), once; null if none. */
    default dev.mailgate.api.Verdict takeDecision() {
        return null;
    }
}
