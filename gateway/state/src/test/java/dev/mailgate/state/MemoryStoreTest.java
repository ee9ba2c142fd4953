// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import static dev.mailgate.state.KeyValueStore.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The memory store's timing rules, with a clock the test moves (no sleeping). */
class MemoryStoreTest {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
    final InstantSource clock = now::get;
    final MemoryStore store = MemoryStore.open(clock, "test", 10_000);

    void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void valuesExpireByTheInjectedClock() {
        await(store.put("a", "1", Duration.ofMinutes(5)));
        advance(Duration.ofMinutes(5).minusMillis(1));
        assertThat(await(store.get("a"))).contains("1");
        advance(Duration.ofMillis(1));
        assertThat(await(store.get("a"))).isEmpty();
    }

    @Test
    void putIfAbsentKeepsTheFirstValueUntilItExpires() {
        assertThat(await(store.putIfAbsent("t", "first", Duration.ofMinutes(1)))).isEmpty();
        assertThat(await(store.putIfAbsent("t", "second", Duration.ofMinutes(10)))).contains("first");
        assertThat(await(store.get("t"))).contains("first");
        advance(Duration.ofMinutes(1));
        // the expired entry counts as absent even before Caffeine's clean-up removed it
        assertThat(await(store.putIfAbsent("t", "third", Duration.ofMinutes(1)))).isEmpty();
        assertThat(await(store.get("t"))).contains("third");
    }

    @Test
    void counterKeepsItsFirstTimeToLive() {
        assertThat(await(store.increment("c", 1, Duration.ofSeconds(60)))).isEqualTo(1);
        advance(Duration.ofSeconds(50));
        assertThat(await(store.increment("c", 2, Duration.ofSeconds(60)))).isEqualTo(3);
        advance(Duration.ofSeconds(10));
        assertThat(await(store.increment("c", 1, Duration.ofSeconds(60)))).as("a new window after the first TTL").isEqualTo(1);
    }

    @Test
    void deleteReportsWhetherTheKeyWasThere() {
        await(store.put("d", "x", Duration.ofHours(1)));
        assertThat(await(store.delete("d"))).isTrue();
        assertThat(await(store.delete("d"))).isFalse();
        assertThat(await(store.get("d"))).isEmpty();
    }

    @Test
    void slidingWindowWeighsThePreviousSlot() {
        Duration hour = Duration.ofHours(1);
        now.set(Instant.parse("2025-03-01T10:00:00Z")); // the start of a slot
        for (int i = 0; i < 10; i++) await(store.countInWindow("w", 1, 100, hour));
        assertThat(await(store.countInWindow("w", 0, 100, hour)).count()).isEqualTo(10);
        advance(Duration.ofMinutes(75)); // 15 minutes into the next slot: 3/4 of the previous slot still counts
        assertThat(await(store.countInWindow("w", 0, 100, hour)).count()).isEqualTo(7); // floor(10 * 0.75)
        assertThat(await(store.countInWindow("w", 2, 100, hour)).count()).isEqualTo(9);
        advance(Duration.ofMinutes(45)); // the start of the slot after: only the 2 of the last slot, fully
        assertThat(await(store.countInWindow("w", 0, 100, hour)).count()).isEqualTo(2);
        advance(Duration.ofHours(2)); // nothing recent
        assertThat(await(store.countInWindow("w", 0, 100, hour)).count()).isZero();
    }

    @Test
    void aRefusedCostIsNotCounted() {
        Duration minute = Duration.ofMinutes(1);
        assertThat(await(store.countInWindow("r", 1, 2, minute))).isEqualTo(new WindowCount(1, true));
        assertThat(await(store.countInWindow("r", 1, 2, minute))).isEqualTo(new WindowCount(2, true));
        assertThat(await(store.countInWindow("r", 1, 2, minute))).isEqualTo(new WindowCount(2, false));
        assertThat(await(store.countInWindow("r", 1, 2, minute))).isEqualTo(new WindowCount(2, false));
    }

    @Test
    void anotherKindOfValueUnderTheKeyIsReplacedNotMisread() {
        await(store.increment("k", 5, Duration.ofHours(1)));
        assertThat(await(store.get("k"))).contains("5");
        assertThat(await(store.putIfAbsent("k", "text", Duration.ofHours(1)))).isEmpty();
        assertThat(await(store.increment("k", 1, Duration.ofHours(1)))).isEqualTo(1);
    }

    @Test
    void memoryOutlivesAReloadButNotTheLastHolder() {
        await(store.put("kept", "yes", Duration.ofHours(1)));
        MemoryStore next = MemoryStore.open(clock, "test", 10_000); // the reloaded policy's store
        store.close(); // the old policy retires
        assertThat(await(next.get("kept"))).contains("yes");
        next.close();
        MemoryStore fresh = MemoryStore.open(clock, "test", 10_000);
        try {
            assertThat(await(fresh.get("kept"))).as("nobody held the memory in between").isEmpty();
        } finally {
            fresh.close();
        }
    }

    @Test
    void anotherClockIsAnotherNodesMemory() {
        await(store.put("mine", "yes", Duration.ofHours(1)));
        InstantSource other = now::get;
        try (MemoryStore elsewhere = MemoryStore.open(other, "test", 10_000)) {
            assertThat(await(elsewhere.get("mine"))).isEmpty();
        }
    }

    @Test
    void sizeIsBounded() {
        try (MemoryStore small = MemoryStore.open(clock, "small", 1000)) {
            for (int i = 0; i < 5000; i++) await(small.put("k" + i, "v", Duration.ofHours(1)));
            assertThat(small.size()).isLessThanOrEqualTo(1000);
        }
    }
}
