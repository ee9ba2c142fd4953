// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

/**
 * Ends an evaluation early with {@link SpfResult#PERMERROR} or {@link SpfResult#TEMPERROR}: both
 * abort the whole {@code check_host()}, through every include and redirect (RFC 7208 §5.2, §6.1).
 */
final class SpfException extends Exception {
    private final SpfResult result;
    private final boolean timeout;

    private SpfException(SpfResult result, String problem, boolean timeout) {
        super(problem, null, false, false);
        this.result = result;
        this.timeout = timeout;
    }

    static SpfException permError(String problem) {
        return new SpfException(SpfResult.PERMERROR, problem, false);
    }

    static SpfException tempError(String problem) {
        return new SpfException(SpfResult.TEMPERROR, problem, false);
    }

    /** A TempError because an answer did not come in time (lookup timeout or the check's deadline). */
    static SpfException timeout(String problem) {
        return new SpfException(SpfResult.TEMPERROR, problem, true);
    }

    SpfResult result() {
        return result;
    }

    boolean isTimeout() {
        return timeout;
    }
}
