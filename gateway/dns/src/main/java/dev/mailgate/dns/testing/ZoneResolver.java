// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns.testing;

import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.ServiceFactory;
import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsMetrics;
import dev.mailgate.dns.DnsNames;
import dev.mailgate.dns.DnsRecords;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.DnsType;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Master;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Type;

/**
 * An in-process {@link DnsResolver} that answers from zone text, for unit tests: no sockets, no
 * threads, every lookup answered at once (unless told to fail, hang or be slow).
 *
 * <pre>{@code
 * ZoneResolver dns = ZoneResolver.of("""
 *         $ORIGIN bl.test.
 *         @          300 SOA ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 60
 *         2.0.0.127  300 A   127.0.0.2
 *         2.0.0.127  300 TXT "listed, see https://bl.test/127.0.0.2"
 *         """);
 * dns.failZone("down.test", DnsAnswer.Status.TIMEOUT);
 * }</pre>
 *
 * <p>Semantics follow a recursive resolver's answers: a name with records of another type (or an
 * empty non-terminal, the parent of a name that has records) is NODATA, anything else NXDOMAIN;
 * CNAMEs are followed (8 hops at most); {@code *.zone} records answer for names that do not exist
 * below the closest existing ancestor (RFC 4592). Negative answers carry the TTL of the closest
 * enclosing SOA (RFC 2308 §5), else {@link #negativeTtl(long)}. Answers render exactly like the
 * real resolver's ({@link DnsRecords}).
 *
 * <p>Thread-safe; add data before the lookups that should see it.
 */
public final class ZoneResolver implements DnsResolver {
    private final Map<String, List<Record>> records = new ConcurrentHashMap<>();
    /** Every owner name and every ancestor of one (empty non-terminals exist in the DNS). */
    private final Set<String> existing = ConcurrentHashMap.newKeySet();
    private final Map<String, DnsAnswer.Status> failures = new ConcurrentHashMap<>();
    private final Map<String, DnsAnswer.Status> zoneFailures = new ConcurrentHashMap<>();
    private final Map<String, Duration> zoneDelays = new ConcurrentHashMap<>();
    private final Set<String> hangingZones = ConcurrentHashMap.newKeySet();
    private final List<String> queries = Collections.synchronizedList(new ArrayList<>());
    private final DnsMetrics metrics = new DnsMetrics();
    private volatile long negativeTtl = 0;

    /** A resolver with the records of {@code zoneText} (master file format, RFC 1035 §5). */
    public static ZoneResolver of(String zoneText) {
        return new ZoneResolver().load(zoneText);
    }

    /**
     * Adds the records of {@code zoneText}: master file format, {@code $ORIGIN} and {@code $TTL}
     * allowed (default origin the root, default TTL 300).
     *
     * @throws IllegalArgumentException if the text does not parse
     */
    public ZoneResolver load(String zoneText) {
        try (Master m = new Master(new ByteArrayInputStream(zoneText.getBytes(StandardCharsets.UTF_8)), Name.root, 300)) {
            Record r;
            while ((r = m.nextRecord()) != null) add(r);
        } catch (IOException e) {
            throw new IllegalArgumentException("zone text does not parse: " + e.getMessage(), e);
        }
        return this;
    }

    /** Adds records of one type at {@code name} with a TTL of 300 s; rdata as in a zone file. */
    public ZoneResolver add(String name, DnsType type, String... rdata) {
        return add(name, type, 300, rdata);
    }

    /** Adds records of one type at {@code name}; rdata as in a zone file ({@code "10 mx.test."}). */
    public ZoneResolver add(String name, DnsType type, long ttl, String... rdata) {
        Name owner = name(name);
        for (String d : rdata) {
            try {
                add(Record.fromString(owner, DnsRecords.code(type), DClass.IN, ttl, d, Name.root));
            } catch (IOException e) {
                throw new IllegalArgumentException("bad " + type + " data '" + d + "' for " + name + ": " + e.getMessage(), e);
            }
        }
        return this;
    }

    private void add(Record r) {
        String owner = key(r.getName().toString());
        records.computeIfAbsent(owner, k -> Collections.synchronizedList(new ArrayList<>())).add(r);
        for (String n = owner; n != null; n = parent(n)) existing.add(n);
    }

    /** Every lookup of exactly {@code name} (any type) ends with {@code status} (TIMEOUT, SERVFAIL). */
    public ZoneResolver fail(String name, DnsAnswer.Status status) {
        failures.put(key(name), status);
        return this;
    }

    /** Every lookup of exactly {@code name} and {@code type} ends with {@code status}. */
    public ZoneResolver fail(String name, DnsType type, DnsAnswer.Status status) {
        failures.put(key(name) + "/" + type, status);
        return this;
    }

    /** Every lookup at or below {@code zone} ends with {@code status}: a list whose servers are down. */
    public ZoneResolver failZone(String zone, DnsAnswer.Status status) {
        zoneFailures.put(key(zone), status);
        return this;
    }

    /** Lookups at or below {@code zone} never complete (the caller's deadline must end the wait). */
    public ZoneResolver hangZone(String zone) {
        hangingZones.add(key(zone));
        return this;
    }

    /** Lookups at or below {@code zone} complete after {@code delay} (on a timer thread). */
    public ZoneResolver delayZone(String zone, Duration delay) {
        zoneDelays.put(key(zone), delay);
        return this;
    }

    /** The TTL of negative answers that have no enclosing SOA (default 0). */
    public ZoneResolver negativeTtl(long seconds) {
        this.negativeTtl = seconds;
        return this;
    }

    /** The lookups seen, as {@code name/TYPE}, in order. */
    public List<String> queries() {
        synchronized (queries) {
            return List.copyOf(queries);
        }
    }

    /** Forgets the lookups seen. */
    public void clearQueries() {
        queries.clear();
    }

    @Override
    public DnsMetrics metrics() {
        return metrics;
    }

    /**
     * A {@code dns} service factory that hands out this resolver (whatever the policy's
     * {@code services: { dns: ... }} says), for a policy loaded in a test.
     */
    public ServiceFactory<DnsResolver> serviceFactory() {
        ZoneResolver self = this;
        return new ServiceFactory<>() {
            @Override
            public String key() {
                return "dns";
            }

            @Override
            public Class<DnsResolver> type() {
                return DnsResolver.class;
            }

            @Override
            public DnsResolver create(FilterSettings settings, FilterServices services) {
                return self;
            }
        };
    }

    @Override
    public CompletableFuture<DnsAnswer> lookup(String name, DnsType type) {
        String n = DnsNames.normalize(name);
        metrics.record(n, DnsMetrics.Event.LOOKUP);
        metrics.record(n, DnsMetrics.Event.QUERY);
        queries.add((n == null ? name : n) + "/" + type);
        if (n == null) return done(new DnsAnswer(String.valueOf(name), type, DnsAnswer.Status.NXDOMAIN, List.of(), 0));
        if (inZone(n, hangingZones) != null) return new CompletableFuture<>();
        DnsAnswer a = answer(n, type);
        if (a.status() == DnsAnswer.Status.TIMEOUT) metrics.record(n, DnsMetrics.Event.TIMEOUT);
        if (a.status() == DnsAnswer.Status.SERVFAIL) metrics.record(n, DnsMetrics.Event.SERVFAIL);
        String slow = inZone(n, zoneDelays.keySet());
        if (slow == null) return done(a);
        return CompletableFuture.supplyAsync(() -> a,
                CompletableFuture.delayedExecutor(zoneDelays.get(slow).toNanos(), TimeUnit.NANOSECONDS));
    }

    private static CompletableFuture<DnsAnswer> done(DnsAnswer a) {
        return CompletableFuture.completedFuture(a);
    }

    private DnsAnswer answer(String n, DnsType type) {
        DnsAnswer.Status failed = failures.getOrDefault(n + "/" + type, failures.get(n));
        String zone = inZone(n, zoneFailures.keySet());
        if (failed == null && zone != null) failed = zoneFailures.get(zone);
        if (failed != null) return new DnsAnswer(n, type, failed, List.of(), 0);
        int wanted = DnsRecords.code(type);
        String current = n;
        long ttl = Long.MAX_VALUE;
        for (int hop = 0; hop <= 8; hop++) {
            List<Record> at = recordsAt(current);
            if (at == null) return negative(n, type, DnsAnswer.Status.NXDOMAIN, current);
            List<String> out = new ArrayList<>();
            Record cname = null;
            for (Record r : at) {
                if (r.getType() == wanted) {
                    out.add(DnsRecords.text(r));
                    ttl = Math.min(ttl, r.getTTL());
                } else if (r.getType() == Type.CNAME) {
                    cname = r;
                }
            }
            if (!out.isEmpty()) return new DnsAnswer(n, type, DnsAnswer.Status.OK, out, ttl);
            if (cname == null || type == DnsType.CNAME) return negative(n, type, DnsAnswer.Status.NODATA, current);
            ttl = Math.min(ttl, cname.getTTL());
            current = key(((CNAMERecord) cname).getTarget().toString());
        }
        return new DnsAnswer(n, type, DnsAnswer.Status.SERVFAIL, List.of(), 0); // a CNAME loop
    }

    /** The records at {@code n} (empty for an empty non-terminal), synthesized from a wildcard, or null. */
    private List<Record> recordsAt(String n) {
        if (existing.contains(n)) {
            List<Record> l = records.get(n);
            if (l == null) return List.of();
            synchronized (l) {
                return List.copyOf(l);
            }
        }
        String encloser = parent(n);
        while (encloser != null && !existing.contains(encloser)) encloser = parent(encloser);
        List<Record> wild = records.get(encloser == null ? "*" : "*." + encloser);
        if (wild == null) return null;
        synchronized (wild) {
            return List.copyOf(wild);
        }
    }

    private DnsAnswer negative(String n, DnsType type, DnsAnswer.Status status, String at) {
        long ttl = negativeTtl;
        for (String z = at; z != null; z = parent(z)) {
            List<Record> l = records.get(z);
            SOARecord soa = l == null ? null : soa(l);
            if (soa != null) {
                ttl = Math.min(soa.getTTL(), soa.getMinimum());
                break;
            }
        }
        return new DnsAnswer(n, type, status, List.of(), ttl);
    }

    private static SOARecord soa(List<Record> l) {
        synchronized (l) {
            for (Record r : l) if (r instanceof SOARecord s) return s;
        }
        return null;
    }

    private static String inZone(String n, Set<String> zones) {
        if (zones.isEmpty()) return null;
        for (String z = n; z != null; z = parent(z)) if (zones.contains(z)) return z;
        return null;
    }

    private static String parent(String n) {
        int dot = n.indexOf('.');
        return dot < 0 ? null : n.substring(dot + 1);
    }

    private static Name name(String text) {
        try {
            return Name.fromString(text, Name.root);
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + text + "' is not a DNS name: " + e.getMessage(), e);
        }
    }

    private static String key(String name) {
        String n = DnsNames.normalize(name);
        if (n == null) throw new IllegalArgumentException("'" + name + "' is not a DNS name");
        return n;
    }
}
