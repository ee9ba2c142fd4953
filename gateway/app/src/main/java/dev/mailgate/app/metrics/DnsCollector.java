// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import dev.mailgate.core.policy.Policy;
import dev.mailgate.dns.DnsMetrics;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.metrics.Collector;
import dev.mailgate.metrics.TextWriter;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The shared resolver's counters, in total and per tracked zone (a DNSBL's zone, say), carried
 * across reloads. A policy whose filters use no DNS has no resolver: the totals stay at zero.
 */
final class DnsCollector implements Collector {
    /** One count: which counter, and the zone ("" for the totals). */
    record Key(Kind kind, String zone) {}

    enum Kind {
        LOOKUPS("lookups", "Lookups asked of the resolver"),
        CACHE_HITS("cache_hits", "Lookups answered from the cache (or joined to the same lookup in flight)"),
        QUERIES("queries", "Queries sent to a DNS server"),
        TIMEOUTS("timeouts", "Lookups that timed out"),
        SERVFAILS("servfails", "Lookups that ended in SERVFAIL, REFUSED or a network error");

        final String word;
        final String help;

        Kind(String word, String help) {
            this.word = word;
            this.help = help;
        }
    }

    private final CarriedCounts<DnsMetrics, Key> counts = new CarriedCounts<>(DnsCollector::metricsOf, DnsCollector::counts);

    void adopt(Policy p) {
        counts.adopt(p);
    }

    void retire(Policy p) {
        counts.retire(p);
    }

    private static Optional<DnsMetrics> metricsOf(Policy p) {
        return p.services().existing(DnsResolver.class).map(DnsResolver::metrics).filter(m -> m != DnsMetrics.NONE);
    }

    private static Map<Key, Long> counts(DnsMetrics m) {
        DnsMetrics.Snapshot s = m.snapshot();
        Map<Key, Long> out = new HashMap<>();
        put(out, "", s.total());
        s.zones().forEach((zone, c) -> put(out, zone, c));
        return out;
    }

    private static void put(Map<Key, Long> out, String zone, DnsMetrics.Counts c) {
        out.put(new Key(Kind.LOOKUPS, zone), c.lookups());
        out.put(new Key(Kind.CACHE_HITS, zone), c.cacheHits());
        out.put(new Key(Kind.QUERIES, zone), c.queries());
        out.put(new Key(Kind.TIMEOUTS, zone), c.timeouts());
        out.put(new Key(Kind.SERVFAILS, zone), c.servfails());
    }

    @Override
    public void collect(TextWriter out) {
        Map<Key, Long> t = counts.totals();
        TreeSet<String> zones = new TreeSet<>();
        for (Key k : t.keySet()) if (!k.zone().isEmpty()) zones.add(k.zone());
        for (Kind kind : Kind.values()) {
            out.family("mailgate_dns_" + kind.word + "_total", TextWriter.Type.COUNTER, kind.help + ".")
                    .sample(t.getOrDefault(new Key(kind, ""), 0L));
        }
        // separate families: a sum over zones must not count the totals again
        for (Kind kind : Kind.values()) {
            out.family("mailgate_dns_zone_" + kind.word + "_total", TextWriter.Type.COUNTER, kind.help + ", per tracked zone.");
            for (String z : zones) out.sample(t.getOrDefault(new Key(kind, z), 0L), "zone", z);
        }
    }
}
