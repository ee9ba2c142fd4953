// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.dnsbl;

import dev.mailgate.dns.DnsNames;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One list: its zone, what it lists, the symbol reported for its listings and its return codes.
 *
 * <p>Written in the policy as one string: the zone, then options separated by spaces:
 * <pre>
 * zen.example.org                                  any 127.0.0.0/8 answer is a listing
 * zen.example.org symbol=ZEN 127.0.0.2=ZEN_SBL 127.0.0.4/30=ZEN_XBL   only these answers count
 * multi.example.com &amp;2=MULTI_SPAM &amp;4=MULTI_PHISH   bits of the last octet
 * dbl.example.org helo from                        domain lists: which names to look up (default both)
 * </pre>
 *
 * @param zone   the list's zone, normalized
 * @param kind   what is looked up and what a listing means
 * @param symbol the finding reported for a listing here ({@code DNSBL_} + the zone by default)
 * @param codes  the return-code map; empty: every 127.0.0.0/8 answer is a listing
 * @param helo   a domain list: look up the HELO name
 * @param from   a domain list: look up the MAIL FROM domain
 */
record DnsblZone(String zone, Kind kind, String symbol, List<ReturnCode> codes, boolean helo, boolean from) {
    /** What a list holds. */
    enum Kind {
        /** Client addresses to refuse (DNSBL, RFC 5782 §2). */
        BLOCK,
        /** Domains to refuse, the HELO name and the MAIL FROM domain (RHSBL, RFC 5782 §3). */
        DOMAIN,
        /** Client addresses to trust (DNSWL). */
        ALLOW
    }

    /** Parses one entry of {@code zones}, {@code domains} or {@code allow}. */
    static DnsblZone parse(String spec, Kind kind) {
        String[] tokens = spec.strip().split("\\s+");
        String zone = DnsNames.normalize(tokens[0]);
        if (zone == null || tokens[0].isEmpty() || !tokens[0].matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("'" + tokens[0] + "' is not a DNS zone");
        }
        String symbol = "DNSBL_" + zone.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
        List<ReturnCode> codes = new ArrayList<>();
        boolean helo = false, from = false;
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 1; i < tokens.length; i++) {
            String t = tokens[i];
            if (t.equals("helo") || t.equals("from")) {
                if (kind != Kind.DOMAIN) throw new IllegalArgumentException("'" + t + "' is for domain lists (domains:) only");
                if (t.equals("helo")) helo = true; else from = true;
            } else if (t.startsWith("symbol=")) {
                symbol = t.substring(7);
                if (!ReturnCode.SYMBOL.matcher(symbol).matches()) {
                    throw new IllegalArgumentException("'" + t + "': the symbol must be UPPER_SNAKE case");
                }
            } else if (t.indexOf('=') > 0) {
                ReturnCode c = ReturnCode.parse(t);
                if (!seen.add(c.code())) throw new IllegalArgumentException("return code " + c.code() + " is given twice");
                codes.add(c);
            } else {
                throw new IllegalArgumentException("unknown option '" + t + "' for " + zone
                        + " (symbol=NAME, helo, from, or codes such as 127.0.0.2=NAME, 127.0.0.0/24=NAME, &4=NAME)");
            }
        }
        if (kind == Kind.DOMAIN && !helo && !from) {
            helo = true;
            from = true;
        }
        return new DnsblZone(zone, kind, symbol, List.copyOf(codes), helo, from);
    }

    /**
     * What the A records of a listing mean: the matched meanings (none when no codes are set),
     * or null when no answer counts as a listing here (every answer ignored by the code map).
     *
     * @throws RefusedException if the list answered with an error code (127.255.255.0/24, as
     *                          Spamhaus does for public resolvers) or with an address outside
     *                          127.0.0.0/8, which is no DNSBL answer (a hijacking resolver)
     */
    List<String> meanings(List<String> answers) throws RefusedException {
        Set<String> meanings = new LinkedHashSet<>();
        boolean listed = false;
        String refused = null;
        for (String text : answers) {
            byte[] a = DnsNames.address(text);
            if (a == null || a.length != 4 || a[0] != 127 || (a[1] == (byte) 255 && a[2] == (byte) 255)) {
                refused = text;
                continue;
            }
            if (codes.isEmpty()) {
                listed = true;
                continue;
            }
            for (ReturnCode c : codes) {
                if (c.matches(a)) {
                    listed = true;
                    meanings.add(c.meaning());
                }
            }
        }
        if (listed) return List.copyOf(meanings);
        if (refused != null) throw new RefusedException(refused);
        return null;
    }

    /** The list answered with an address that is no listing but an error. */
    static final class RefusedException extends Exception {
        RefusedException(String answer) {
            super("answered " + answer + ", an error code rather than a listing (is this resolver allowed to query the list?)");
        }
    }
}
