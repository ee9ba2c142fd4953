// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.rdns;

import dev.mailgate.dns.Lookups;
import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsNames;
import dev.mailgate.dns.DnsType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Forward-confirmed reverse DNS (FCrDNS): the client address's PTR names, and whether one of
 * them resolves back to the address (A for an IPv4 client, AAAA for IPv6).
 */
final class ReverseCheck {
    /** The outcome, {@code rdns.reverseResult}. */
    enum Result { Pass, Mismatch, None, Error }

    /**
     * @param result    Pass (a name resolves back), Mismatch (names, none back), None (no PTR), Error
     * @param name      the confirmed name, else the first PTR name, else ""
     * @param names     the PTR names checked
     * @param timeout   for Error: a lookup timed out
     * @param detail    for findings and logs
     */
    record Outcome(Result result, String name, List<String> names, boolean timeout, String detail) {}

    private final int maxNames;

    ReverseCheck(int maxNames) {
        this.maxNames = maxNames;
    }

    Outcome check(byte[] address, Lookups dns) throws InterruptedException {
        String ip = DnsNames.format(address);
        String ptrName = DnsNames.reversed(address) + (address.length == 4 ? ".in-addr.arpa" : ".ip6.arpa");
        DnsAnswer ptr = dns.await(dns.start(ptrName, DnsType.PTR), ptrName, DnsType.PTR);
        switch (ptr.status()) {
            case NXDOMAIN, NODATA -> {
                return new Outcome(Result.None, "", List.of(), false, ip + " has no PTR record");
            }
            case TIMEOUT, SERVFAIL -> {
                return new Outcome(Result.Error, "", List.of(), ptr.status() == DnsAnswer.Status.TIMEOUT,
                        "PTR lookup of " + ip + ": " + ptr.status());
            }
            default -> { }
        }
        List<String> names = new ArrayList<>();
        for (String r : ptr.records()) {
            String n = DnsNames.normalize(r);
            if (n != null && !names.contains(n) && names.size() < maxNames) names.add(n);
        }
        DnsType type = address.length == 4 ? DnsType.A : DnsType.AAAA;
        List<CompletableFuture<DnsAnswer>> forward = new ArrayList<>();
        for (String n : names) forward.add(dns.start(n, type));
        List<DnsAnswer> answers = dns.await(forward, names, type);
        boolean failed = false, timedOut = false;
        for (int i = 0; i < names.size(); i++) {
            DnsAnswer a = answers.get(i);
            if (a.status() == DnsAnswer.Status.OK && a.records().contains(ip)) {
                return new Outcome(Result.Pass, names.get(i), names, false, ip + " is " + names.get(i) + " both ways");
            }
            if (a.isError()) {
                failed = true;
                timedOut |= a.status() == DnsAnswer.Status.TIMEOUT;
            }
        }
        String first = names.isEmpty() ? "" : names.get(0);
        if (failed) return new Outcome(Result.Error, first, names, timedOut, "forward lookups of " + String.join(", ", names) + " failed");
        if (names.isEmpty()) return new Outcome(Result.None, "", names, false, ip + " has no usable PTR name");
        return new Outcome(Result.Mismatch, first, names, false, ip + " has PTR " + String.join(", ", names) + ", which do not resolve to it");
    }
}
