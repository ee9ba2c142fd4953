// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import static dev.mailgate.state.KeyValueStore.await;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * What every {@link KeyValueStore} does alike, run against the memory store and a real Redis:
 * the semantics of each operation, the sliding window's arithmetic under the injected clock, and
 * atomicity under concurrent callers.
 */
abstract class StoreContract {
    protected final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
    protected final InstantSource clock = now::get;

    /** A store on {@link #clock}, empty, closed by the subclass. */
    abstract KeyValueStore store();

    void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    @Test
    void getPutAndDelete() {
        KeyValueStore s = store();
        assertThat(await(s.get("a"))).isEmpty();
        await(s.put("a", "one", Duration.ofHours(1)));
        await(s.put("a", "two", Duration.ofHours(1)));
        assertThat(await(s.get("a"))).contains("two");
        assertThat(await(s.delete("a"))).isTrue();
        assertThat(await(s.delete("a"))).isFalse();
        assertThat(await(s.get("a"))).isEmpty();
    }

    @Test
    void putIfAbsentReturnsWhatWasThere() {
        KeyValueStore s = store();
        assertThat(await(s.putIfAbsent("t", "F1000", Duration.ofHours(1)))).isEmpty();
        assertThat(await(s.putIfAbsent("t", "F2000", Duration.ofHours(1)))).contains("F1000");
        assertThat(await(s.get("t"))).contains("F1000");
    }

    @Test
    void incrementCountsFromZero() {
        KeyValueStore s = store();
        assertThat(await(s.increment("c", 1, Duration.ofHours(1)))).isEqualTo(1);
        assertThat(await(s.increment("c", 5, Duration.ofHours(1)))).isEqualTo(6);
        assertThat(await(s.increment("c", -2, Duration.ofHours(1)))).isEqualTo(4);
        assertThat(await(s.get("c"))).contains("4");
    }

    @Test
    void slidingWindowAsTheClockMoves() {
        KeyValueStore s = store();
        Duration hour = Duration.ofHours(1);
        List<WindowCount> seen = new ArrayList<>();
        for (int i = 0; i < 4; i++) seen.add(await(s.countInWindow("w", 1, 3, hour)));
        advance(Duration.ofMinutes(90)); // half of the previous slot still counts: floor(3 * 0.5) = 1
        seen.add(await(s.countInWindow("w", 0, 3, hour)));
        seen.add(await(s.countInWindow("w", 2, 3, hour)));
        seen.add(await(s.countInWindow("w", 1, 3, hour)));
        advance(Duration.ofHours(3));
        seen.add(await(s.countInWindow("w", 0, 3, hour)));
        assertThat(seen).containsExactly(
                new WindowCount(1, true), new WindowCount(2, true), new WindowCount(3, true), new WindowCount(3, false),
                new WindowCount(1, true), new WindowCount(3, true), new WindowCount(3, false),
                new WindowCount(0, true));
    }

    @Test
    void operationsStartedTogetherAllComplete() {
        KeyValueStore s = store();
        // what a filter does: start every operation of one check, then wait once
        CompletableFuture<Optional<String>> a = s.get("p1");
        CompletableFuture<Optional<String>> b = s.putIfAbsent("p2", "x", Duration.ofHours(1));
        CompletableFuture<Long> c = s.increment("p3", 1, Duration.ofHours(1));
        CompletableFuture<WindowCount> d = s.countInWindow("p4", 1, 10, Duration.ofMinutes(1));
        CompletableFuture.allOf(a, b, c, d).join();
        assertThat(a.join()).isEmpty();
        assertThat(b.join()).isEmpty();
        assertThat(c.join()).isEqualTo(1);
        assertThat(d.join()).isEqualTo(new WindowCount(1, true));
    }

    @Test
    void concurrentCallersNeverLoseAnUpdate() throws Exception {
        KeyValueStore s = store();
        List<CompletableFuture<Optional<String>>> claims = new ArrayList<>();
        List<CompletableFuture<WindowCount>> hits = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
            List<CompletableFuture<Long>> incs = new ArrayList<>();
            for (int i = 0; i < 400; i++) {
                int n = i;
                incs.add(CompletableFuture.supplyAsync(() -> await(s.increment("n", 1, Duration.ofHours(1))), pool));
                claims.add(CompletableFuture.supplyAsync(() -> await(s.putIfAbsent("once", "by-" + n, Duration.ofHours(1))), pool));
                hits.add(CompletableFuture.supplyAsync(() -> await(s.countInWindow("limit", 1, 100, Duration.ofHours(1))), pool));
            }
            CompletableFuture.allOf(incs.toArray(CompletableFuture[]::new)).join();
            assertThat(incs.stream().map(CompletableFuture::join).distinct().count()).as("every increment saw its own value").isEqualTo(400);
        }
        assertThat(await(s.get("n"))).contains("400");
        assertThat(claims.stream().filter(f -> f.join().isEmpty()).count()).as("exactly one caller stored").isEqualTo(1);
        assertThat(hits.stream().filter(f -> f.join().allowed()).count()).as("exactly the limit was let through").isEqualTo(100);
    }
}
