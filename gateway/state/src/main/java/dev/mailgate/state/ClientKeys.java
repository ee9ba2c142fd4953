// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.IpNetwork;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.Optional;

/**
 * Groups client addresses into the networks that state is kept for: a big sender's outbound pool
 * retries from a neighbouring address, and an IPv6 host owns a whole /64, so greylisting and bans
 * that used single addresses would miss both.
 *
 * @param ipv4Prefix bits of an IPv4 address that name its network (24: 192.0.2.0/24)
 * @param ipv6Prefix bits of an IPv6 address that name its network (64)
 */
public record ClientKeys(int ipv4Prefix, int ipv6Prefix) {
    public ClientKeys {
        if (ipv4Prefix < 0 || ipv4Prefix > 32) throw new IllegalArgumentException("ipv4Prefix must be 0..32");
        if (ipv6Prefix < 0 || ipv6Prefix > 128) throw new IllegalArgumentException("ipv6Prefix must be 0..128");
    }

    /** Reads {@code ipv4Prefix} and {@code ipv6Prefix} from a filter's settings. */
    public static ClientKeys from(FilterSettings s, int defaultV4, int defaultV6) {
        long v4 = s.integer("ipv4Prefix", defaultV4);
        if (v4 < 0 || v4 > 32) throw s.invalid("ipv4Prefix", "must be 0..32");
        long v6 = s.integer("ipv6Prefix", defaultV6);
        if (v6 < 0 || v6 > 128) throw s.invalid("ipv6Prefix", "must be 0..128");
        return new ClientKeys((int) v4, (int) v6);
    }

    /**
     * The client's network in CIDR form ({@code 192.0.2.0/24}, {@code 2001:db8:1:2:0:0:0:0/64}),
     * or empty when the client has no IP address (unix socket, local submission).
     */
    public Optional<String> network(String ip) {
        byte[] a = IpNetwork.literal(ip);
        if (a == null) return Optional.empty();
        int prefix = a.length == 4 ? ipv4Prefix : ipv6Prefix;
        byte[] masked = Arrays.copyOf(a, a.length);
        for (int i = 0; i < masked.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            masked[i] &= (byte) (bits == 0 ? 0 : (0xff << (8 - bits)));
        }
        try {
            return Optional.of(InetAddress.getByAddress(masked).getHostAddress() + "/" + prefix);
        } catch (UnknownHostException e) {
            return Optional.empty(); // cannot happen for 4 or 16 bytes
        }
    }
}
