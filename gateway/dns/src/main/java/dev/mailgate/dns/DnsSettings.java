// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import dev.mailgate.api.IpNetwork;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.xbill.DNS.ResolverConfig;

/**
 * How the resolver talks to DNS.
 *
 * @param servers        recursive servers, tried in order (the first answering one wins)
 * @param timeout        deadline of one lookup, all attempts included
 * @param retries        further attempts after a timeout or SERVFAIL (each on the next server);
 *                       every attempt gets {@code timeout / (retries + 1)}
 * @param cacheSize      answers kept at most
 * @param maxTtl         cap on a positive answer's TTL in the cache
 * @param maxNegativeTtl cap on an NXDOMAIN / NODATA answer's TTL (RFC 2308 §5 suggests hours)
 */
public record DnsSettings(List<InetSocketAddress> servers, Duration timeout, int retries, long cacheSize,
                          Duration maxTtl, Duration maxNegativeTtl) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(2);
    public static final int DEFAULT_RETRIES = 1;
    public static final long DEFAULT_CACHE_SIZE = 10_000;
    public static final Duration DEFAULT_MAX_TTL = Duration.ofDays(1);
    public static final Duration DEFAULT_MAX_NEGATIVE_TTL = Duration.ofHours(1);

    public DnsSettings {
        servers = List.copyOf(servers);
        if (servers.isEmpty()) throw new IllegalArgumentException("no DNS server");
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout must be positive");
        if (retries < 0 || retries > 10) throw new IllegalArgumentException("retries must be 0..10");
        if (cacheSize < 0) throw new IllegalArgumentException("cacheSize must be 0 or more");
        if (maxTtl.isNegative() || maxNegativeTtl.isNegative()) throw new IllegalArgumentException("TTL caps must not be negative");
    }

    /** The servers given, everything else default. */
    public static DnsSettings of(List<InetSocketAddress> servers) {
        return new DnsSettings(servers, DEFAULT_TIMEOUT, DEFAULT_RETRIES, DEFAULT_CACHE_SIZE, DEFAULT_MAX_TTL, DEFAULT_MAX_NEGATIVE_TTL);
    }

    /** This with another timeout. */
    public DnsSettings withTimeout(Duration t) {
        return new DnsSettings(servers, t, retries, cacheSize, maxTtl, maxNegativeTtl);
    }

    /** This with another retry count. */
    public DnsSettings withRetries(int r) {
        return new DnsSettings(servers, timeout, r, cacheSize, maxTtl, maxNegativeTtl);
    }

    /** The time one attempt may take. */
    public Duration attemptTimeout() {
        return timeout.dividedBy(retries + 1L);
    }

    /**
     * The system's resolvers ({@code /etc/resolv.conf} on Linux, read from the file; no network),
     * or 127.0.0.1:53 when it names none.
     */
    public static List<InetSocketAddress> systemServers() {
        List<InetSocketAddress> s = ResolverConfig.getCurrentConfig().servers();
        return s.isEmpty() ? List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 53)) : s;
    }

    /**
     * A server written as {@code 192.0.2.53}, {@code 192.0.2.53:5353}, {@code 2001:db8::53} or
     * {@code [2001:db8::53]:5353}. Addresses only: resolving a server's name would need DNS.
     *
     * @throws IllegalArgumentException with what is wrong
     */
    public static InetSocketAddress parseServer(String text) {
        String t = text.strip();
        String host = t;
        int port = 53;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0) throw new IllegalArgumentException("'" + text + "': missing ']'");
            host = t.substring(1, close);
            String rest = t.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) throw new IllegalArgumentException("'" + text + "': expected ':port' after ']'");
                port = port(text, rest.substring(1));
            }
        } else if (t.indexOf(':') >= 0 && t.indexOf(':') == t.lastIndexOf(':')) {
            host = t.substring(0, t.indexOf(':'));
            port = port(text, t.substring(t.indexOf(':') + 1));
        }
        byte[] a = IpNetwork.literal(host);
        if (a == null) throw new IllegalArgumentException("'" + text + "' is not an IP address (with an optional :port)");
        try {
            return new InetSocketAddress(InetAddress.getByAddress(a), port);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("'" + text + "': " + e.getMessage());
        }
    }

    private static int port(String text, String p) {
        try {
            int port = Integer.parseInt(p);
            if (port < 1 || port > 65535) throw new NumberFormatException();
            return port;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "': the port must be 1..65535");
        }
    }
}
