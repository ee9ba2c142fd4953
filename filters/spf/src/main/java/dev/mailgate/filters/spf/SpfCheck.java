// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The inputs and DNS state of one {@code check_host()} run, through all its includes and
 * redirects: the client address, the sender and HELO (macros s, l, o, h), the lookups with their
 * limits, and the reverse names of the client, fetched once (mechanism ptr, macro p).
 */
final class SpfCheck {
    /** RFC 7208 §4.6.4: at most 10 PTR names are looked up and checked. */
    static final int MAX_PTR_NAMES = 10;

    final IpAddress ip;
    final String sender;
    final String localPart;
    final String senderDomain;
    final String helo;
    final SpfLookups lookups;
    private final String receiver;
    private final long epochSeconds;
    private List<String> ptrNames;
    private final Map<String, Boolean> validated = new HashMap<>();

    SpfCheck(IpAddress ip, String localPart, String senderDomain, String helo, SpfLookups lookups, String receiver, long epochSeconds) {
        this.ip = ip;
        this.localPart = localPart;
        this.senderDomain = senderDomain;
        this.sender = localPart + "@" + senderDomain;
        this.helo = helo;
        this.lookups = lookups;
        this.receiver = receiver;
        this.epochSeconds = epochSeconds;
    }

    /** The macro values while evaluating the record of {@code domain} (§7.3). */
    MacroString.Values values(String domain) {
        return letter -> switch (letter) {
            case 's' -> sender;
            case 'l' -> localPart;
            case 'o' -> senderDomain;
            case 'd' -> domain;
            case 'i' -> ip.dotted();
            case 'p' -> validatedName(domain);
            case 'v' -> ip.version();
            case 'h' -> helo;
            case 'c' -> ip.readable();
            case 'r' -> receiver;
            case 't' -> Long.toString(epochSeconds);
            default -> throw new IllegalArgumentException("macro letter " + letter); // the parser allows no other
        };
    }

    /** The first ten names the client's address maps back to; none if the PTR lookup fails (§5.5). */
    List<String> ptrNames() {
        if (ptrNames == null) {
            List<String> names = new ArrayList<>();
            try {
                DnsAnswer a = lookups.query(ip.reverseName(), DnsType.PTR);
                for (String r : a.status() == DnsAnswer.Status.OK ? a.records() : List.<String>of()) {
                    if (names.size() == MAX_PTR_NAMES) break;
                    String n = DomainNames.strip(r.trim());
                    if (DomainNames.isQueryable(n)) names.add(n);
                }
            } catch (SpfException e) {
                // a failed PTR lookup makes ptr not match and %{p} "unknown"; the deadline, if
                // that was it, ends the check at its next lookup
            }
            ptrNames = List.copyOf(names);
        }
        return ptrNames;
    }

    /** True if {@code name}'s addresses include the client's; a DNS error skips the name (§5.5). */
    boolean validates(String name) {
        return validated.computeIfAbsent(name.toLowerCase(Locale.ROOT), n -> {
            try {
                return lookups.addresses(n, ip.isIpv6(), false).contains(ip);
            } catch (SpfException e) {
                return false;
            }
        });
    }

    /**
     * Macro {@code p}: a validated name of the client, preferring {@code domain} itself, then a
     * subdomain of it, then any; "unknown" if none validates (§7.3).
     */
    private String validatedName(String domain) {
        String any = null;
        String sub = null;
        for (String n : ptrNames()) {
            if (!validates(n)) continue;
            if (DomainNames.strip(n).equalsIgnoreCase(DomainNames.strip(domain))) return n;
            if (sub == null && DomainNames.isWithin(n, domain)) sub = n;
            if (any == null) any = n;
        }
        return sub != null ? sub : any != null ? any : "unknown";
    }
}
