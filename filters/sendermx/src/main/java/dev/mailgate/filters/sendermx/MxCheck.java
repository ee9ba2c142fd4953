// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.sendermx;

import dev.mailgate.dns.Lookups;
import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsNames;
import dev.mailgate.dns.DnsType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Whether a domain can receive mail, as RFC 5321 §5.1 finds its mail exchangers: its MX hosts,
 * or, with no MX at all, the domain's own address (the implicit MX); a null MX (RFC 7505: one MX
 * of preference 0 with the target ".") says it accepts none. A host counts if it has an address
 * that can be reached from elsewhere (not loopback, not unspecified).
 */
final class MxCheck {
    /** The seeds' SenderMXCheckResult values. */
    enum Result { Pass, Fail, Neutral, Error }

    /**
     * What the check found.
     *
     * @param result  Pass / Fail / Error (Neutral is decided before any lookup)
     * @param reason  why, in a few words, for logs and rules
     * @param hosts   the MX hosts (or the domain itself for an implicit MX)
     * @param nullMx  the domain publishes a null MX
     * @param timeout for Error: a lookup timed out (otherwise it failed)
     */
    record Outcome(Result result, String reason, List<String> hosts, boolean nullMx, boolean timeout) {
        static Outcome fail(String reason, List<String> hosts) {
            return new Outcome(Result.Fail, reason, hosts, false, false);
        }

        static Outcome error(String reason, List<String> hosts, boolean timeout) {
            return new Outcome(Result.Error, reason, hosts, false, timeout);
        }
    }

    private final int maxHosts;

    MxCheck(int maxHosts) {
        this.maxHosts = maxHosts;
    }

    Outcome check(String domain, Lookups dns) throws InterruptedException {
        DnsAnswer mx = dns.await(dns.start(domain, DnsType.MX), domain, DnsType.MX);
        return switch (mx.status()) {
            case TIMEOUT, SERVFAIL -> Outcome.error("MX lookup of " + domain + ": " + mx.status(), List.of(), mx.status() == DnsAnswer.Status.TIMEOUT);
            case NXDOMAIN -> Outcome.fail(domain + " does not exist", List.of());
            case NODATA -> addresses(domain, List.of(domain), dns, true); // the implicit MX
            case OK -> exchangers(domain, mx.records(), dns);
        };
    }

    private Outcome exchangers(String domain, List<String> records, Lookups dns) throws InterruptedException {
        Set<String> hosts = new LinkedHashSet<>();
        boolean nullMx = false;
        List<String[]> sorted = new ArrayList<>();
        for (String r : records) {
            String[] p = r.split(" ", 2);
            if (p.length == 2) sorted.add(p);
        }
        sorted.sort((a, b) -> Integer.compare(preference(a[0]), preference(b[0])));
        for (String[] p : sorted) {
            if (p[1].equals(".")) {
                nullMx = true;
                continue;
            }
            String h = DnsNames.normalize(p[1]);
            if (h != null) hosts.add(h);
        }
        if (nullMx && hosts.isEmpty()) {
            return new Outcome(MxCheck.Result.Fail, domain + " publishes a null MX: it accepts no mail (RFC 7505)", List.of(), true, false);
        }
        // a "." next to real hosts breaks RFC 7505 §3; the real hosts still say where mail goes
        List<String> checked = hosts.stream().limit(maxHosts).toList();
        return addresses(domain, checked, dns, false);
    }

    private static int preference(String p) {
        try {
            return Integer.parseInt(p);
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE;
        }
    }

    /** Pass if some host has a usable address; Error if none has and some lookup failed; else Fail. */
    private static Outcome addresses(String domain, List<String> hosts, Lookups dns, boolean implicit) throws InterruptedException {
        if (hosts.isEmpty()) return Outcome.fail(domain + ": no usable MX host", hosts);
        List<CompletableFuture<DnsAnswer>> futures = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (String h : hosts) {
            if (DnsNames.address(h) != null) continue; // "MX 10 192.0.2.1." names no host: MX targets are host names
            futures.add(dns.start(h, DnsType.A));
            futures.add(dns.start(h, DnsType.AAAA));
            names.add(h);
            names.add(h);
        }
        List<DnsAnswer> answers = dns.await(futures, names, DnsType.A);
        boolean failed = false, timedOut = false;
        for (DnsAnswer a : answers) {
            String usable = a.status() == DnsAnswer.Status.OK ? a.records().stream().filter(MxCheck::usable).findFirst().orElse(null) : null;
            if (usable != null) {
                String how = implicit ? "no MX; " + domain + " itself" : "MX host " + a.name();
                return new Outcome(MxCheck.Result.Pass, how + " has address " + usable, hosts, false, false);
            }
            if (a.isError()) {
                failed = true;
                timedOut |= a.status() == DnsAnswer.Status.TIMEOUT;
            }
        }
        if (failed) return Outcome.error("address lookups of " + String.join(", ", hosts) + " failed", hosts, timedOut);
        return Outcome.fail(implicit ? domain + " has neither MX nor address" : "the MX hosts of " + domain + " have no usable address", hosts);
    }

    /** An address another host could deliver to: not loopback, not unspecified. */
    static boolean usable(String address) {
        byte[] a = DnsNames.address(address);
        if (a == null) return false;
        if (a.length == 4) return a[0] != 127 && a[0] != 0;
        boolean zeroUpTo15 = true;
        for (int i = 0; i < 15; i++) zeroUpTo15 &= a[i] == 0;
        return !(zeroUpTo15 && (a[15] == 0 || a[15] == 1)); // :: and ::1
    }
}
