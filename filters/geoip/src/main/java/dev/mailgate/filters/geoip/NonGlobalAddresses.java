// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import dev.mailgate.api.IpNetwork;
import java.util.List;

/**
 * Addresses that have no country: private, loopback, link-local, shared (CGNAT), documentation,
 * benchmarking, multicast and reserved ranges (RFC 6890 and the IANA special-purpose registries,
 * the entries that are not globally reachable). A client there is one of our own networks or a
 * test, so the filter answers "private" instead of asking the database and never bans it.
 */
final class NonGlobalAddresses {
    private static final List<IpNetwork> RANGES = List.of(
            "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
            "192.0.0.0/24", "192.0.2.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
            "224.0.0.0/4", "240.0.0.0/4",
            "::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7", "fe80::/10", "ff00::/8")
            .stream().map(IpNetwork::parse).toList();

    private NonGlobalAddresses() {}

    /** True if {@code address} (4 or 16 bytes; IPv4-mapped IPv6 counts as IPv4) is not globally routable. */
    static boolean contains(byte[] address) {
        for (IpNetwork n : RANGES) {
            if (n.contains(address)) return true;
        }
        return false;
    }
}
