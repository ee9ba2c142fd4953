// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.chain;

/**
 * Where {@link FilterInvoker} records a chain entry's calls. A policy is loaded without knowing
 * the gateway it will run in, so its entries start unbound (recording nothing); the pipeline
 * {@link #bind binds} them to the {@link FilterStats} of their name when it adopts the policy,
 * before any session sees it. Policies share the stats of a name, so counts survive reloads.
 */
public final class FilterMeter {
    private volatile FilterStats stats;

    public void bind(FilterStats stats) {
        this.stats = stats;
    }

    /** True once bound (tests). */
    public boolean isBound() {
        return stats != null;
    }

    void record(FilterStats.Outcome outcome, long nanos) {
        FilterStats s = stats;
        if (s != null) s.record(outcome, nanos);
    }
}
