// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.ServiceFactory;
import dev.mailgate.api.Stage;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ServicesTest {
    /** A service with a setting, counting how many instances are open. */
    static final class Counter implements AutoCloseable {
        static final AtomicInteger OPEN = new AtomicInteger();
        final long size;

        Counter(long size) {
            this.size = size;
            OPEN.incrementAndGet();
        }

        public void close() {
            OPEN.decrementAndGet();
        }
    }

    static final ServiceFactory<Counter> COUNTERS = new ServiceFactory<>() {
        public String key() { return "counter"; }
        public Class<Counter> type() { return Counter.class; }
        public Counter create(FilterSettings s, FilterServices services) {
            s.allowOnly("size");
            long size = s.integer("size", 7);
            if (size <= 0) throw s.invalid("size", "must be positive");
            return new Counter(size);
        }
    };

    static final FilterFactory USER = new FilterFactory() {
        public String type() { return "user"; }
        public Filter create(FilterSettings s, FilterServices services) {
            long size = services.service(Counter.class).size;
            if (s.bool("fail", false)) throw s.invalid("fail", "asked to fail after size " + size);
            return () -> Set.of(Stage.CONNECT);
        }
    };

    private static PolicyLoader loader() {
        return new PolicyLoader(new FilterRegistry(List.of(USER)), Clock.systemUTC(), List.of(COUNTERS));
    }

    @Test
    void servicesAreBuiltFromTheirSectionOncePerPolicyAndClosedWithIt() {
        int before = Counter.OPEN.get();
        Policy p = loader().parse("s.yaml", "services:\n  counter: { size: 3 }\nfilters:\n  - user: {}\n  - user: { name: second }\n");
        assertThat(p.services().service(Counter.class).size).isEqualTo(3);
        assertThat(Counter.OPEN.get()).isEqualTo(before + 1);
        p.close();
        assertThat(Counter.OPEN.get()).isEqualTo(before);
    }

    @Test
    void anAbsentSectionMeansDefaults() {
        try (Policy p = loader().parse("s.yaml", "filters:\n  - user: {}\n")) {
            assertThat(p.services().service(Counter.class).size).isEqualTo(7);
        }
    }

    @Test
    void badOrUnknownSectionsAreRefusedWithPosition() {
        assertThatThrownBy(() -> loader().parse("s.yaml", "services:\n  counter: { size: 0 }\n"))
                .hasMessageContaining("s.yaml:2:").hasMessageContaining("must be positive");
        assertThatThrownBy(() -> loader().parse("s.yaml", "services:\n  dns: {}\n"))
                .hasMessageContaining("unknown key 'dns'");
    }

    @Test
    void aPolicyThatFailsToLoadClosesWhatItOpened() {
        int before = Counter.OPEN.get();
        assertThatThrownBy(() -> loader().parse("s.yaml", "filters:\n  - user: { fail: true }\n"))
                .hasMessageContaining("asked to fail after size 7");
        assertThat(Counter.OPEN.get()).isEqualTo(before);
    }
}
