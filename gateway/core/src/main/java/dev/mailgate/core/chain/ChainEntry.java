// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.chain;

import dev.mailgate.api.Filter;
import java.time.Duration;
import java.util.Objects;

/**
 * One filter in the policy's chain, with the chain-level settings every filter has.
 *
 * @param name    the filter's name in the policy (unique; log marker, metrics tag, findings prefix)
 * @param type    the factory type ({@code networks}, {@code limits}, ...)
 * @param filter  the instance
 * @param timeout deadline for one callback
 * @param onError what an exception or an overrun deadline turns into
 * @param startEarly the policy lets this filter's lookups run on while the session moves on
 *                (where the filter supports it: {@link Filter#startsEarly}); {@code startEarly: false} keeps every stage's verdict at that stage
 * @param meter   where the invoker records this entry's calls (bound by the pipeline that runs the policy)
 */
public record ChainEntry(String name, String type, Filter filter, Duration timeout, OnError onError, boolean startEarly, FilterMeter meter) {
    public ChainEntry {
        Objects.requireNonNull(name);
        Objects.requireNonNull(filter);
        Objects.requireNonNull(timeout);
        Objects.requireNonNull(onError);
        Objects.requireNonNull(meter);
    }

    /** An entry with a meter of its own, not bound yet. */
    public ChainEntry(String name, String type, Filter filter, Duration timeout, OnError onError, boolean startEarly) {
        this(name, type, filter, timeout, onError, startEarly, new FilterMeter());
    }

    /** An entry that never starts early (filters added with addFilter, run by executeFilters). */
    public ChainEntry(String name, String type, Filter filter, Duration timeout, OnError onError) {
        this(name, type, filter, timeout, onError, false);
    }

    public ChainEntry withStartEarly(boolean early) {
        return new ChainEntry(name, type, filter, timeout, onError, early, meter);
    }
}
