// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsType;
import dev.mailgate.filters.spf.SpfRecord.Mechanism;
import java.util.List;

/**
 * Whether one mechanism other than include matches the client (RFC 7208 §5.1, §5.3 to §5.7).
 * DNS errors end the check with TempError except where the RFC says otherwise (ptr).
 */
final class MechanismMatcher {
    /** §4.6.4: the MX answer of one mx mechanism may name at most 10 hosts. */
    static final int MAX_MX_NAMES = 10;

    private MechanismMatcher() {}

    static boolean matches(SpfCheck c, String domain, Mechanism m) throws SpfException {
        return switch (m) {
            case SpfRecord.All all -> true;
            case SpfRecord.Ip4 n -> !c.ip.isIpv6() && c.ip.inNetwork(n.network(), n.prefix());
            case SpfRecord.Ip6 n -> c.ip.isIpv6() && c.ip.inNetwork(n.network(), n.prefix());
            case SpfRecord.A a -> {
                String name = target(c, domain, a.domain());
                yield name != null && anyInNetwork(c, c.lookups.addresses(name, c.ip.isIpv6(), true), a.cidr4(), a.cidr6());
            }
            case SpfRecord.Mx mx -> mx(c, target(c, domain, mx.domain()), mx.cidr4(), mx.cidr6());
            case SpfRecord.Ptr p -> ptr(c, target(c, domain, p.domain()));
            case SpfRecord.Exists e -> exists(c, target(c, domain, e.domain()));
            case SpfRecord.Include i -> throw new IllegalStateException("include is evaluated by SpfEvaluator");
        };
    }

    /**
     * The name a domain-spec designates (the current domain when absent), or null if no query
     * can be made for it (empty or over-long label): such a name does not exist, so the
     * mechanism does not match (the RFC 7208 test suite accepts this or PermError).
     */
    static String target(SpfCheck c, String domain, MacroString spec) {
        String name = spec == null ? domain : DomainNames.forQuery(spec.expand(c.values(domain)));
        return DomainNames.isQueryable(name) ? name : null;
    }

    private static boolean anyInNetwork(SpfCheck c, List<IpAddress> addresses, int cidr4, int cidr6) {
        int prefix = c.ip.isIpv6() ? cidr6 : cidr4;
        for (IpAddress a : addresses) if (c.ip.inNetwork(a, prefix)) return true;
        return false;
    }

    /** §5.4: the MX hosts' addresses; more than 10 MX names is a PermError, never a guess. */
    private static boolean mx(SpfCheck c, String name, int cidr4, int cidr6) throws SpfException {
        if (name == null) return false;
        DnsAnswer a = c.lookups.require(name, DnsType.MX);
        if (a.isEmpty()) {
            c.lookups.countVoid(name);
            return false;
        }
        if (a.records().size() > MAX_MX_NAMES) {
            throw SpfException.permError(name + " has " + a.records().size() + " MX records, more than " + MAX_MX_NAMES + " (RFC 7208 section 4.6.4)");
        }
        for (String record : a.records()) {
            String r = record.trim();
            int space = r.indexOf(' ');
            String host = DomainNames.strip(space < 0 ? r : r.substring(space + 1).trim());
            // a null MX (RFC 7505, ".") names no host; neither does garbage
            if (!DomainNames.isQueryable(host)) continue;
            if (anyInNetwork(c, c.lookups.addresses(host, c.ip.isIpv6(), false), cidr4, cidr6)) return true;
        }
        return false;
    }

    /**
     * §5.5: a name of the client that is {@code target} or below it and whose addresses include
     * the client. Only names under the target are validated: the others could not match anyway.
     */
    private static boolean ptr(SpfCheck c, String target) {
        if (target == null) return false;
        for (String n : c.ptrNames()) {
            if (DomainNames.isWithin(n, target) && c.validates(n)) return true;
        }
        return false;
    }

    /** §5.7: any A record, whatever the client's address family. */
    private static boolean exists(SpfCheck c, String name) throws SpfException {
        if (name == null) return false;
        DnsAnswer a = c.lookups.require(name, DnsType.A);
        if (a.isEmpty()) {
            c.lookups.countVoid(name);
            return false;
        }
        return true;
    }
}
