// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import com.github.benmanes.caffeine.cache.Cache;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * The in-memory store: a Caffeine cache whose entries expire by the injected clock (so tests move
 * time instead of sleeping), bounded in size. Every operation is one atomic {@code compute} on its
 * key and completes before it returns.
 *
 * <p>The cache itself belongs to the process, not to the policy ({@link LocalMemory}): a policy
 * reload keeps greylisting triplets, counters and bans.
 */
final class MemoryStore implements KeyValueStore {
    /** A value with its expiry, in the ticker's nanoseconds. */
    sealed interface Item permits Text, Counter, Window {
        long deadline();
    }

    record Text(String value, long deadline) implements Item {}

    record Counter(long value, long deadline) implements Item {}

    /** A sliding-window counter: counts of slot {@code slot} and of the slot before it. */
    record Window(long slot, long current, long previous, long deadline) implements Item {}

    private final LocalMemory.Lease lease;
    private final Cache<String, Item> cache;
    private final InstantSource clock;

    MemoryStore(LocalMemory.Lease lease) {
        this.lease = lease;
        this.cache = lease.cache();
        this.clock = lease.clock();
    }

    /** A store on process-wide memory for {@code clock}, keeping at most {@code maxEntries} keys. */
    static MemoryStore open(InstantSource clock, String name, long maxEntries) {
        return new MemoryStore(LocalMemory.acquire(clock, name, maxEntries));
    }

    private long deadline(Duration ttl) {
        long now = LocalMemory.nanos(clock);
        long ttlNanos = ttl.compareTo(Duration.ofDays(100_000)) > 0 ? Long.MAX_VALUE / 4 : ttl.toNanos();
        return now + Math.max(1, ttlNanos);
    }

    // ---- synchronous forms, also used by the Redis store for its local fallback ----

    Optional<String> getNow(String key) {
        Item i = cache.getIfPresent(key);
        return switch (i) {
            case null -> Optional.empty();
            case Text t -> Optional.of(t.value());
            case Counter c -> Optional.of(Long.toString(c.value()));
            case Window w -> Optional.of(Long.toString(w.current()));
        };
    }

    void putNow(String key, String value, Duration ttl) {
        cache.put(key, new Text(value, deadline(ttl)));
    }

    Optional<String> putIfAbsentNow(String key, String value, Duration ttl) {
        String[] existing = new String[1];
        cache.asMap().compute(key, (k, old) -> {
            if (old instanceof Text t) {
                existing[0] = t.value();
                return old;
            }
            // an expired entry is passed in as null by Caffeine; another kind of value is replaced
            return new Text(value, deadline(ttl));
        });
        return Optional.ofNullable(existing[0]);
    }

    long incrementNow(String key, long delta, Duration ttl) {
        Item updated = cache.asMap().compute(key, (k, old) -> old instanceof Counter c
                ? new Counter(c.value() + delta, c.deadline())
                : new Counter(delta, deadline(ttl)));
        return ((Counter) updated).value();
    }

    boolean deleteNow(String key) {
        return cache.asMap().remove(key) != null;
    }

    WindowCount countInWindowNow(String key, long cost, long limit, Duration window) {
        Windows at = Windows.at(clock.millis(), window);
        WindowCount[] result = new WindowCount[1];
        cache.asMap().compute(key, (k, old) -> {
            long current = 0;
            long previous = 0;
            if (old instanceof Window w) {
                if (w.slot() == at.slot()) {
                    current = w.current();
                    previous = w.previous();
                } else if (w.slot() == at.slot() - 1) {
                    previous = w.current();
                }
            }
            long estimate = at.estimate(current, previous);
            boolean allowed = estimate + cost <= limit;
            if (allowed) {
                current += cost;
                estimate += cost;
            }
            result[0] = new WindowCount(estimate, allowed);
            return new Window(at.slot(), current, previous, deadline(at.ttl()));
        });
        return result[0];
    }

    // ---- the KeyValueStore contract ----

    @Override
    public CompletableFuture<Optional<String>> get(String key) {
        return CompletableFuture.completedFuture(getNow(key));
    }

    @Override
    public CompletableFuture<Void> put(String key, String value, Duration ttl) {
        putNow(key, value, ttl);
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Optional<String>> putIfAbsent(String key, String value, Duration ttl) {
        return CompletableFuture.completedFuture(putIfAbsentNow(key, value, ttl));
    }

    @Override
    public CompletableFuture<Long> increment(String key, long delta, Duration ttl) {
        return CompletableFuture.completedFuture(incrementNow(key, delta, ttl));
    }

    @Override
    public CompletableFuture<Boolean> delete(String key) {
        return CompletableFuture.completedFuture(deleteNow(key));
    }

    @Override
    public CompletableFuture<WindowCount> countInWindow(String key, long cost, long limit, Duration window) {
        return CompletableFuture.completedFuture(countInWindowNow(key, cost, limit, window));
    }

    @Override
    public boolean completesImmediately() {
        return true;
    }

    @Override
    public StoreHealth health() {
        return new StoreHealth("memory", false, 0, 0);
    }

    InstantSource clock() {
        return clock;
    }

    /** Approximate number of live keys (tests, diagnostics). */
    long size() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    @Override
    public void close() {
        lease.release();
    }
}
