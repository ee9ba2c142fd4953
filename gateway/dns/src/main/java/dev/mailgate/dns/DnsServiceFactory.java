// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.ServiceFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code dns} service: one {@link CachingDnsResolver} per loaded policy, shared by every DNS
 * check (DNSBL, SPF, MX, rDNS), so they share one cache.
 *
 * <pre>
 * services:
 *   dns:
 *     servers: [127.0.0.1:5353, "[::1]:53"]   # default: the nameservers of /etc/resolv.conf
 *     timeout: 2s          # deadline of one lookup, retries included
 *     retries: 1           # another attempt (next server) after a timeout or SERVFAIL
 *     cacheSize: 10000     # answers kept
 *     maxTtl: 1d           # cap on positive TTLs
 *     maxNegativeTtl: 1h   # cap on NXDOMAIN / NODATA TTLs (else the SOA's negative TTL)
 * </pre>
 *
 * Creating it sends nothing: the policy loads offline.
 */
public final class DnsServiceFactory implements ServiceFactory<DnsResolver> {
    @Override
    public String key() {
        return "dns";
    }

    @Override
    public Class<DnsResolver> type() {
        return DnsResolver.class;
    }

    @Override
    public DnsResolver create(FilterSettings s, FilterServices services) {
        s.allowOnly("servers", "timeout", "retries", "cacheSize", "maxTtl", "maxNegativeTtl");
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String text : s.strings("servers")) {
            try {
                servers.add(DnsSettings.parseServer(text));
            } catch (IllegalArgumentException e) {
                throw s.invalid("servers", e.getMessage());
            }
        }
        if (servers.isEmpty()) {
            if (s.keys().contains("servers")) throw s.invalid("servers", "name at least one server, or leave servers out for the system's");
            servers.addAll(DnsSettings.systemServers());
        }
        Duration timeout = s.duration("timeout", DnsSettings.DEFAULT_TIMEOUT);
        if (timeout.isZero() || timeout.isNegative()) throw s.invalid("timeout", "must be positive");
        if (timeout.compareTo(Duration.ofMinutes(1)) > 0) throw s.invalid("timeout", "must be at most 1m");
        long retries = s.integer("retries", DnsSettings.DEFAULT_RETRIES);
        if (retries < 0 || retries > 10) throw s.invalid("retries", "must be 0..10");
        if (timeout.dividedBy(retries + 1).toMillis() < 10) throw s.invalid("timeout", "leaves under 10 ms per attempt");
        long cacheSize = s.integer("cacheSize", DnsSettings.DEFAULT_CACHE_SIZE);
        if (cacheSize < 0) throw s.invalid("cacheSize", "must be 0 (no cache) or more");
        Duration maxTtl = s.duration("maxTtl", DnsSettings.DEFAULT_MAX_TTL);
        if (maxTtl.isNegative()) throw s.invalid("maxTtl", "must not be negative");
        Duration maxNegativeTtl = s.duration("maxNegativeTtl", DnsSettings.DEFAULT_MAX_NEGATIVE_TTL);
        if (maxNegativeTtl.isNegative()) throw s.invalid("maxNegativeTtl", "must not be negative");
        return CachingDnsResolver.create(new DnsSettings(servers, timeout, (int) retries, cacheSize, maxTtl, maxNegativeTtl));
    }
}
