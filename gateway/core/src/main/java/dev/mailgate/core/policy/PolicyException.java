// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

/**
 * A policy that cannot be loaded, with where and what: {@code policy.yaml:12:7: unknown key 'zone'}.
 * Line and column are 1-based; 0 when unknown.
 */
public final class PolicyException extends RuntimeException {
    private final String file;
    private final int line;
    private final int column;
    private final String problem;

    public PolicyException(String file, int line, int column, String problem) {
        super(file + (line > 0 ? ":" + line + ":" + column : "") + ": " + problem);
        this.file = file;
        this.line = line;
        this.column = column;
        this.problem = problem;
    }

    public String file() { return file; }

    public int line() { return line; }

    public int column() { return column; }

    public String problem() { return problem; }
}
