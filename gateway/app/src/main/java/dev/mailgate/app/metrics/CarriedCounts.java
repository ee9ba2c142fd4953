// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import dev.mailgate.core.policy.Policy;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Counters that belong to a policy's services (a resolver's, a store's) start from zero with
 * every policy, but an exported counter must never go back. So these are summed over the
 * policies still running (the current one, and retired ones whose sessions are finishing), and
 * a policy's last counts are carried into a base when it is retired.
 *
 * <p>Counts a retired service makes after it was carried are not seen; they can only come from
 * sessions older than the retirement delay.
 *
 * @param <S> the source of counts (a resolver's metrics, a store)
 * @param <K> what identifies one count (a metric and its labels)
 */
final class CarriedCounts<S, K> {
    private final Function<Policy, Optional<S>> source;
    private final Function<S, Map<K, Long>> counts;
    private final Set<Policy> running = Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<K, Long> base = new HashMap<>();

    CarriedCounts(Function<Policy, Optional<S>> source, Function<S, Map<K, Long>> counts) {
        this.source = source;
        this.counts = counts;
    }

    synchronized void adopt(Policy p) {
        running.add(p);
    }

    /** Call before the policy's services are closed: their counts are read one last time. */
    synchronized void retire(Policy p) {
        if (!running.remove(p)) return;
        Optional<S> s = source.apply(p);
        // a source shared with a policy still running stays counted there
        if (s.isEmpty() || sources().contains(s.get())) return;
        counts.apply(s.get()).forEach((k, v) -> base.merge(k, v, Long::sum));
    }

    /** Base plus every running source, each counted once. */
    synchronized Map<K, Long> totals() {
        Map<K, Long> t = new HashMap<>(base);
        for (S s : sources()) counts.apply(s).forEach((k, v) -> t.merge(k, v, Long::sum));
        return t;
    }

    private Set<S> sources() {
        Set<S> out = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Policy p : new LinkedHashSet<>(running)) source.apply(p).ifPresent(out::add);
        return out;
    }
}
