// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import dev.mailgate.core.policy.Policy;
import dev.mailgate.metrics.Collector;
import dev.mailgate.metrics.TextWriter;
import dev.mailgate.state.KeyValueStore;
import dev.mailgate.state.StoreHealth;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The shared state store (greylisting, rate limits, auto-ban): which backend the current policy
 * uses, whether it reaches it, and its failures and fallbacks carried across reloads. Nothing
 * about the store when no filter of the policy uses one.
 */
final class StoreCollector implements Collector {
    private final CarriedCounts<KeyValueStore, String> counts = new CarriedCounts<>(StoreCollector::storeOf,
            s -> {
                StoreHealth h = s.health();
                return Map.of("failures", h.failures(), "fallbacks", h.fallbacks());
            });
    private final Supplier<Policy> current;

    StoreCollector(Supplier<Policy> current) {
        this.current = current;
    }

    void adopt(Policy p) {
        counts.adopt(p);
    }

    void retire(Policy p) {
        counts.retire(p);
    }

    private static Optional<KeyValueStore> storeOf(Policy p) {
        return p.services().existing(KeyValueStore.class);
    }

    @Override
    public void collect(TextWriter out) {
        Map<String, Long> t = counts.totals();
        out.family("mailgate_store_failures_total", TextWriter.Type.COUNTER,
                "Operations the shared store's backend failed (timeouts, connection errors).")
                .sample(t.getOrDefault("failures", 0L));
        out.family("mailgate_store_fallbacks_total", TextWriter.Type.COUNTER,
                "Operations answered from local memory because the shared backend was unavailable.")
                .sample(t.getOrDefault("fallbacks", 0L));
        out.family("mailgate_store_info", TextWriter.Type.GAUGE, "The current policy's store backend (memory or redis), 1 if it has a store.");
        Optional<StoreHealth> h = storeOf(current.get()).map(KeyValueStore::health);
        h.ifPresent(x -> out.sample(1, "backend", x.backend()));
        out.family("mailgate_store_shared_up", TextWriter.Type.GAUGE,
                "1 while the store's operations reach the shared backend (Redis), 0 while they fall back; absent for memory.");
        h.filter(x -> !x.backend().equals("memory")).ifPresent(x -> out.sample(x.shared() ? 1 : 0));
    }
}
