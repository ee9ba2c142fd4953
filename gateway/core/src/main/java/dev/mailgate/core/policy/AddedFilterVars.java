// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import java.util.List;

/**
 * The seeds' variables of external filters (Axigen's addFilter / executeFilters), declared when a
 * policy adds filters from its rules. Each filter's own {@code <filterName>.result},
 * {@code .action} and {@code .explanation} are declared by the filter itself.
 */
public final class AddedFilterVars {
    private AddedFilterVars() {}

    public static final Var<String> ADD_FILTER_RESULT = Var.string("addFilterResult", Scope.TRANSACTION, Stage.CONNECT,
            "outcome of the last addFilter: success or failure");
    public static final Var<String> ADD_FILTER_EXPLANATION = Var.string("addFilterExplanation", Scope.TRANSACTION, Stage.CONNECT,
            "why the last addFilter succeeded or failed");
    public static final Var<String> FILTER_NAME_PATTERN = Var.string("filterNamePattern", Scope.TRANSACTION, Stage.CONNECT,
            "names of the filters executeFilters runs when it is given no pattern ('*' and '?' wildcards, ',' between patterns)");

    public static final List<Var<?>> ALL = List.of(ADD_FILTER_RESULT, ADD_FILTER_EXPLANATION, FILTER_NAME_PATTERN);
}
