// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;

/**
 * The process's in-memory state, shared by the stores of successive policies. A reload builds a
 * new policy (and a new store) while the old one still serves its sessions; both must see the same
 * triplets and counters, or every reload would greylist every sender again. So the caches live
 * here, one per clock and name, counted by the stores that hold them, and are dropped when the
 * last holder closes.
 *
 * <p>The clock is part of the identity: tests give each simulated node or test its own clock and
 * thereby its own memory; the running gateway has one system clock.
 */
final class LocalMemory {
    private record Key(InstantSource clock, String name, long maxEntries) {}

    private static final class Shared {
        final Cache<String, MemoryStore.Item> cache;
        int holders;

        Shared(Cache<String, MemoryStore.Item> cache) {
            this.cache = cache;
        }
    }

    /** One holder's claim on a shared cache; release it exactly once. */
    static final class Lease {
        private final Key key;
        private final Cache<String, MemoryStore.Item> cache;
        private boolean released;

        private Lease(Key key, Cache<String, MemoryStore.Item> cache) {
            this.key = key;
            this.cache = cache;
        }

        Cache<String, MemoryStore.Item> cache() {
            return cache;
        }

        InstantSource clock() {
            return key.clock();
        }

        void release() {
            synchronized (LocalMemory.class) {
                if (released) return;
                released = true;
                Shared s = SHARED.get(key);
                if (s != null && --s.holders == 0) {
                    SHARED.remove(key);
                    s.cache.invalidateAll();
                }
            }
        }
    }

    private static final Map<Key, Shared> SHARED = new HashMap<>();

    private LocalMemory() {}

    static synchronized Lease acquire(InstantSource clock, String name, long maxEntries) {
        Key key = new Key(clock, name, maxEntries);
        Shared s = SHARED.computeIfAbsent(key, k -> new Shared(build(clock, maxEntries)));
        s.holders++;
        return new Lease(key, s.cache);
    }

    /** The clock in nanoseconds since the epoch: Caffeine's ticker, and the items' deadlines. */
    static long nanos(InstantSource clock) {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private static Cache<String, MemoryStore.Item> build(InstantSource clock, long maxEntries) {
        return Caffeine.newBuilder()
                .maximumSize(maxEntries)
                .ticker(() -> nanos(clock))
                // maintenance on the caller's thread: no pool thread, and expiry is deterministic in tests
                .executor(Runnable::run)
                .expireAfter(new Expiry<String, MemoryStore.Item>() {
                    @Override
                    public long expireAfterCreate(String key, MemoryStore.Item item, long now) {
                        return Math.max(0, item.deadline() - now);
                    }

                    @Override
                    public long expireAfterUpdate(String key, MemoryStore.Item item, long now, long current) {
                        return Math.max(0, item.deadline() - now);
                    }

                    @Override
                    public long expireAfterRead(String key, MemoryStore.Item item, long now, long current) {
                        return current;
                    }
                })
                .build();
    }
}
