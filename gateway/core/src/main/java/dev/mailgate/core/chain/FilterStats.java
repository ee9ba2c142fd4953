// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.chain;

import dev.mailgate.metrics.Counter;
import dev.mailgate.metrics.Histogram;

/**
 * What the chain counts for one filter name: calls by outcome and how long they took. Shared by
 * every policy that has a filter of that name, so a reload does not reset them.
 */
public final class FilterStats {
    /**
     * Upper bounds in seconds: from the in-memory checks (networks, limits: microseconds) through
     * DNS (milliseconds) to external scanners (up to the default 10 s timeout).
     */
    public static final double[] BOUNDS = {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10};

    /** How a call ended, as {@link FilterInvoker} sees it. */
    public enum Outcome {
        OK, ERROR, TIMEOUT;

        /** The label value. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Counter[] calls;
    private final Histogram duration;

    /** {@code calls}: one counter per {@link Outcome}, in its order. */
    public FilterStats(Counter[] calls, Histogram duration) {
        if (calls.length != Outcome.values().length) throw new IllegalArgumentException("one counter per outcome");
        this.calls = calls.clone();
        this.duration = duration;
    }

    void record(Outcome outcome, long nanos) {
        calls[outcome.ordinal()].increment();
        duration.observeNanos(nanos);
    }
}
