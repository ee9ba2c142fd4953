// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of a resolver: lookups asked, of which answered from the cache (or joined to an
 * identical lookup in flight), queries sent, timeouts and SERVFAILs. Totals count every lookup;
 * per-zone counters exist for the zones a check {@link #track tracks} (its DNSBL zones, say), so
 * that names taken from mail (sender domains) never grow the table.
 *
 * <p>Lock-free on the hot path ({@link LongAdder}); read with {@link #snapshot()}.
 */
public final class DnsMetrics {
    /** For resolvers that keep no counters: tracking is ignored, every count is zero. */
    public static final DnsMetrics NONE = new DnsMetrics(false);

    private final boolean enabled;
    private final Counters total = new Counters();
    private final Map<String, Counters> zones = new ConcurrentHashMap<>();

    /** Counters that count. */
    public DnsMetrics() {
        this(true);
    }

    private DnsMetrics(boolean enabled) {
        this.enabled = enabled;
    }

    /** Counts this zone (and the names below it) on its own; idempotent. */
    public void track(String zone) {
        String z = DnsNames.normalize(zone);
        if (enabled && z != null) zones.computeIfAbsent(z, k -> new Counters());
    }

    /** The outcome of one lookup, as a resolver reports it. */
    public enum Event { LOOKUP, CACHE_HIT, QUERY, TIMEOUT, SERVFAIL }

    /** Counts {@code event} for {@code name} (normalized, as the resolver keys it). */
    public void record(String name, Event event) {
        if (!enabled) return;
        total.add(event);
        if (zones.isEmpty() || name == null) return;
        Counters z = zoneOf(name);
        if (z != null) z.add(event);
    }

    /** The counters of the longest tracked zone that {@code name} is in, or null. */
    private Counters zoneOf(String name) {
        String n = name;
        while (true) {
            Counters c = zones.get(n);
            if (c != null) return c;
            int dot = n.indexOf('.');
            if (dot < 0) return null;
            n = n.substring(dot + 1);
        }
    }

    /** Lookups asked of the resolver. */
    public long lookups() { return total.lookups.sum(); }

    /** Lookups answered without a new query (cached, or joined to the same lookup in flight). */
    public long cacheHits() { return total.hits.sum(); }

    /** Queries sent to a server (one per lookup that missed the cache, retries not counted). */
    public long queries() { return total.queries.sum(); }

    /** Lookups that ended in TIMEOUT. */
    public long timeouts() { return total.timeouts.sum(); }

    /** Lookups that ended in SERVFAIL (or REFUSED, or a network error). */
    public long servfails() { return total.servfails.sum(); }

    /** All counters at once, totals and per tracked zone. */
    public Snapshot snapshot() {
        Map<String, Counts> perZone = new TreeMap<>();
        zones.forEach((z, c) -> perZone.put(z, c.counts()));
        return new Snapshot(total.counts(), Map.copyOf(perZone));
    }

    /**
     * One set of counters.
     *
     * @param lookups   lookups asked
     * @param cacheHits answered from the cache or an identical lookup in flight
     * @param queries   sent to a server
     * @param timeouts  ended in TIMEOUT
     * @param servfails ended in SERVFAIL
     */
    public record Counts(long lookups, long cacheHits, long queries, long timeouts, long servfails) {}

    /**
     * Counters at one moment.
     *
     * @param total the resolver's totals
     * @param zones per tracked zone
     */
    public record Snapshot(Counts total, Map<String, Counts> zones) {}

    private static final class Counters {
        final LongAdder lookups = new LongAdder();
        final LongAdder hits = new LongAdder();
        final LongAdder queries = new LongAdder();
        final LongAdder timeouts = new LongAdder();
        final LongAdder servfails = new LongAdder();

        void add(Event e) {
            switch (e) {
                case LOOKUP -> lookups.increment();
                case CACHE_HIT -> hits.increment();
                case QUERY -> queries.increment();
                case TIMEOUT -> timeouts.increment();
                case SERVFAIL -> servfails.increment();
            }
        }

        Counts counts() {
            return new Counts(lookups.sum(), hits.sum(), queries.sum(), timeouts.sum(), servfails.sum());
        }
    }
}
