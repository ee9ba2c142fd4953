// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's resolver: answers cached in Caffeine for their TTL (NXDOMAIN and NODATA for the
 * SOA's negative TTL, RFC 2308; TIMEOUT and SERVFAIL not at all), identical lookups in flight
 * joined into one query, a deadline per lookup, and {@link DnsMetrics counters}.
 *
 * <p>{@link #lookup} never blocks and never fails: it returns the cached future, or starts one
 * query (dnsjava, asynchronous) whose outcome, whatever it is, completes the future by the
 * deadline. A warm cache answers with an already completed future and sends nothing.
 */
public final class CachingDnsResolver implements DnsResolver, AutoCloseable {
    private final DnsTransport transport;
    private final DnsSettings settings;
    private final AsyncCache<Key, DnsAnswer> cache;
    private final DnsMetrics metrics = new DnsMetrics();

    private record Key(String name, DnsType type) {}

    /** A resolver on dnsjava with these settings; needs no network until the first lookup. */
    public static CachingDnsResolver create(DnsSettings settings) {
        return new CachingDnsResolver(new DnsjavaTransport(settings), settings, Ticker.systemTicker());
    }

    CachingDnsResolver(DnsTransport transport, DnsSettings settings, Ticker ticker) {
        this.transport = transport;
        this.settings = settings;
        this.cache = Caffeine.newBuilder()
                .maximumSize(settings.cacheSize())
                .ticker(ticker)
                .expireAfter(new TtlExpiry())
                .buildAsync();
    }

    @Override
    public CompletableFuture<DnsAnswer> lookup(String name, DnsType type) {
        String n = DnsNames.normalize(name);
        metrics.record(n, DnsMetrics.Event.LOOKUP);
        if (n == null) {
            String shown = name == null ? "" : name.strip().toLowerCase(java.util.Locale.ROOT);
            return CompletableFuture.completedFuture(new DnsAnswer(shown, type, DnsAnswer.Status.NXDOMAIN, List.of(), 0));
        }
        boolean[] sent = new boolean[1];
        CompletableFuture<DnsAnswer> f = cache.get(new Key(n, type), (k, executor) -> {
            sent[0] = true;
            return query(k);
        });
        metrics.record(n, sent[0] ? DnsMetrics.Event.QUERY : DnsMetrics.Event.CACHE_HIT);
        // a copy: a caller completing or cancelling its future must not change the cached one
        return f.copy();
    }

    private CompletableFuture<DnsAnswer> query(Key k) {
        DnsAnswer late = new DnsAnswer(k.name(), k.type(), DnsAnswer.Status.TIMEOUT, List.of(), 0);
        return transport.query(k.name(), k.type())
                .completeOnTimeout(late, settings.timeout().toNanos(), TimeUnit.NANOSECONDS)
                .thenApply(a -> {
                    if (a.status() == DnsAnswer.Status.TIMEOUT) metrics.record(k.name(), DnsMetrics.Event.TIMEOUT);
                    if (a.status() == DnsAnswer.Status.SERVFAIL) metrics.record(k.name(), DnsMetrics.Event.SERVFAIL);
                    return capped(a);
                });
    }

    private DnsAnswer capped(DnsAnswer a) {
        long cap = switch (a.status()) {
            case OK -> settings.maxTtl().toSeconds();
            case NXDOMAIN, NODATA -> settings.maxNegativeTtl().toSeconds();
            case TIMEOUT, SERVFAIL -> 0;
        };
        long ttl = Math.max(0, Math.min(a.ttl(), cap));
        return ttl == a.ttl() ? a : new DnsAnswer(a.name(), a.type(), a.status(), a.records(), ttl);
    }

    @Override
    public DnsMetrics metrics() {
        return metrics;
    }

    /** Answers in the cache now (approximate; for tests and status pages). */
    public long cachedAnswers() {
        return cache.synchronous().estimatedSize();
    }

    /** Forgets every cached answer. */
    public void clearCache() {
        cache.synchronous().invalidateAll();
    }

    @Override
    public void close() {
        clearCache();
        transport.close();
    }

    @Override
    public String toString() {
        return "CachingDnsResolver" + settings.servers() + " timeout " + settings.timeout().toMillis() + " ms";
    }

    /** An answer lives for its TTL; reads do not extend it. */
    private static final class TtlExpiry implements Expiry<Key, DnsAnswer> {
        @Override
        public long expireAfterCreate(Key key, DnsAnswer value, long currentTime) {
            return TimeUnit.SECONDS.toNanos(value.ttl());
        }

        @Override
        public long expireAfterUpdate(Key key, DnsAnswer value, long currentTime, long currentDuration) {
            return TimeUnit.SECONDS.toNanos(value.ttl());
        }

        @Override
        public long expireAfterRead(Key key, DnsAnswer value, long currentTime, long currentDuration) {
            return currentDuration;
        }
    }

}
