// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.DnsType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The DNS side of one check: every lookup waits at most until the check's deadline, and the
 * RFC 7208 §4.6.4 limits are counted here (DNS-querying terms, void lookups).
 */
final class SpfLookups {
    private final DnsResolver resolver;
    private final long deadlineNanos;
    private final int maxTerms;
    private final int maxVoid;
    private int terms;
    private int voids;
    private int queries;

    SpfLookups(DnsResolver resolver, long deadlineNanos, int maxTerms, int maxVoid) {
        this.resolver = resolver;
        this.deadlineNanos = deadlineNanos;
        this.maxTerms = maxTerms;
        this.maxVoid = maxVoid;
    }

    /** Counts a term that queries DNS (include, a, mx, ptr, exists, redirect); over the limit is a PermError. */
    void countTerm(String term) throws SpfException {
        if (++terms > maxTerms) {
            throw SpfException.permError("more than " + maxTerms + " DNS-querying terms (at '" + term + "', RFC 7208 section 4.6.4)");
        }
    }

    /** Counts a lookup that found nothing (NXDOMAIN or no record); over the limit is a PermError. */
    void countVoid(String name) throws SpfException {
        if (++voids > maxVoid) {
            throw SpfException.permError("more than " + maxVoid + " void DNS lookups (at " + name + ", RFC 7208 section 4.6.4)");
        }
    }

    /** How many queries this check sent (cache hits included: the resolver decides). */
    int queries() {
        return queries;
    }

    /**
     * One lookup, whatever its status. Fails only when the check's deadline passes (a TempError
     * flagged as a timeout) or the resolver breaks its contract.
     */
    DnsAnswer query(String name, DnsType type) throws SpfException {
        long remaining = deadlineNanos - System.nanoTime();
        if (remaining <= 0) throw SpfException.timeout("the check's deadline passed before the " + type + " lookup of " + name);
        queries++;
        var pending = resolver.lookup(name, type);
        if (!pending.isDone()) dev.mailgate.api.NoWait.blockedIfAttempting(); // a first try without waiting ends here
        try {
            DnsAnswer a = pending.get(remaining, TimeUnit.NANOSECONDS);
            if (a == null) throw SpfException.tempError("no answer for " + type + " " + name);
            return a;
        } catch (TimeoutException e) {
            throw SpfException.timeout("no answer for " + type + " " + name + " within the check's deadline");
        } catch (ExecutionException e) {
            throw SpfException.tempError("lookup of " + type + " " + name + " failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the chain gave up on us; keep the flag for it
            throw SpfException.timeout("interrupted during the " + type + " lookup of " + name);
        }
    }

    /** A lookup whose server errors end the check (§5: "the mechanism stops and ... returns temperror"). */
    DnsAnswer require(String name, DnsType type) throws SpfException {
        DnsAnswer a = query(name, type);
        switch (a.status()) {
            case TIMEOUT -> throw SpfException.timeout("DNS timeout looking up " + type + " " + name);
            case SERVFAIL -> throw SpfException.tempError("DNS error looking up " + type + " " + name);
            default -> { return a; }
        }
    }

    /**
     * The A (IPv4) or AAAA (IPv6) addresses of {@code name}; {@code countVoid} makes an empty
     * answer count against the void lookup limit.
     */
    List<IpAddress> addresses(String name, boolean ipv6, boolean countVoid) throws SpfException {
        DnsAnswer a = require(name, ipv6 ? DnsType.AAAA : DnsType.A);
        if (a.isEmpty()) {
            if (countVoid) countVoid(name);
            return List.of();
        }
        List<IpAddress> out = new ArrayList<>(a.records().size());
        for (String r : a.records()) {
            IpAddress ip = IpAddress.literal(r.trim());
            if (ip != null) out.add(ip);
        }
        return out;
    }
}
