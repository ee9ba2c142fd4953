// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import java.time.Clock;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Per-policy counters summed into totals that never go back across reloads. */
class CarriedCountsTest {
    private final Map<Policy, AtomicLong> sources = new IdentityHashMap<>();
    private final CarriedCounts<AtomicLong, String> counts =
            new CarriedCounts<>(p -> Optional.ofNullable(sources.get(p)), s -> Map.of("lookups", s.get()));

    private Policy policy(AtomicLong source) {
        Policy p = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC()).parse("p.yaml", "scores: {}\n");
        if (source != null) sources.put(p, source);
        return p;
    }

    private long total() {
        return counts.totals().getOrDefault("lookups", 0L);
    }

    @Test
    void aRetiredPolicysCountsStayInTheTotal() {
        AtomicLong first = new AtomicLong();
        Policy a = policy(first);
        counts.adopt(a);
        first.addAndGet(5);
        assertThat(total()).isEqualTo(5);

        AtomicLong second = new AtomicLong();
        Policy b = policy(second);
        counts.adopt(b); // reloaded: the old one still runs its sessions
        second.addAndGet(2);
        first.addAndGet(1);
        assertThat(total()).isEqualTo(8);

        counts.retire(a);
        first.addAndGet(100); // after it was carried: not seen (its services are being closed)
        assertThat(total()).isEqualTo(8);
        second.addAndGet(1);
        assertThat(total()).isEqualTo(9);
        counts.retire(a); // twice: nothing carried twice
        assertThat(total()).isEqualTo(9);
    }

    @Test
    void aSourceSharedByTwoPoliciesCountsOnce() {
        AtomicLong shared = new AtomicLong(3);
        Policy a = policy(shared);
        Policy b = policy(shared);
        counts.adopt(a);
        counts.adopt(b);
        assertThat(total()).isEqualTo(3);
        counts.retire(a);
        assertThat(total()).isEqualTo(3);
        counts.retire(b);
        assertThat(total()).isEqualTo(3);
    }

    @Test
    void aPolicyWithoutTheServiceCountsNothing() {
        counts.adopt(policy(null));
        assertThat(counts.totals()).isEmpty();
    }
}
