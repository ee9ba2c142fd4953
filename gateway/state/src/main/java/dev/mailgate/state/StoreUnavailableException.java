// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

/**
 * The store could not answer (Redis unreachable, too slow, or failing) and is configured not to
 * fall back to local state. Filters report it as {@code <ID>_TEMPERROR} or {@code <ID>_TIMEOUT}
 * and let the chain's {@code onError} decide.
 */
public final class StoreUnavailableException extends RuntimeException {
    private final boolean timeout;

    public StoreUnavailableException(String message, Throwable cause, boolean timeout) {
        super(message, cause);
        this.timeout = timeout;
    }

    /** True if the store did not answer within its timeout (rather than failing outright). */
    public boolean isTimeout() {
        return timeout;
    }
}
