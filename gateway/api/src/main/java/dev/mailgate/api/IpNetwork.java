// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation (a bare address is a /32 or /128). Parsing never
 * touches DNS.
 */
public record IpNetwork(byte[] network, int prefix) {

    public static IpNetwork parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        String addr = slash < 0 ? t : t.substring(0, slash);
        byte[] bytes = literal(addr);
        if (bytes == null) throw new IllegalArgumentException("'" + text + "' is not an IP address or network");
        int max = bytes.length * 8;
        int prefix = max;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + text + "' has no valid prefix length");
            }
            if (prefix < 0 || prefix > max) throw new IllegalArgumentException("'" + text + "': prefix must be 0.." + max);
        }
        return new IpNetwork(mask(bytes, prefix), prefix);
    }

    /** True if {@code ip} (address text) is inside this network; IPv4-mapped IPv6 matches IPv4 networks. */
    public boolean contains(String ip) {
        byte[] a = literal(ip);
        return a != null && contains(a);
    }

    public boolean contains(byte[] address) {
        byte[] a = address;
        if (a.length == 16 && network.length == 4 && isV4Mapped(a)) a = Arrays.copyOfRange(a, 12, 16);
        if (a.length != network.length) return false;
        return Arrays.equals(mask(a, prefix), network);
    }

    /** Parses an IP literal without ever touching DNS; null if it is not one. */
    public static byte[] literal(String text) {
        if (text == null) return null;
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        if (t.regionMatches(true, 0, "IPv6:", 0, 5)) t = t.substring(5);
        if (t.isEmpty()) return null;
        boolean v4 = t.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
        boolean v6 = t.indexOf(':') >= 0 && t.chars().allMatch(c -> Character.digit(c, 16) >= 0 || c == ':' || c == '.');
        if (v4) {
            String[] parts = t.split("\\.", -1);
            if (parts.length != 4) return null;
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                if (parts[i].isEmpty() || parts[i].length() > 3) return null;
                int v = Integer.parseInt(parts[i]);
                if (v > 255) return null;
                b[i] = (byte) v;
            }
            return b;
        }
        if (!v6) return null;
        try {
            return InetAddress.getByName(t).getAddress(); // a literal with ':' is never resolved
        } catch (UnknownHostException | IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isV4Mapped(byte[] a) {
        for (int i = 0; i < 10; i++) if (a[i] != 0) return false;
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] r = address.clone();
        for (int i = 0; i < r.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - i * 8));
            r[i] &= (byte) (bits == 0 ? 0 : (0xff << (8 - bits)));
        }
        return r;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpNetwork c && c.prefix == prefix && Arrays.equals(c.network, network);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(network) * 31 + prefix;
    }

    @Override
    public String toString() {
        try {
            return InetAddress.getByAddress(network).getHostAddress() + "/" + prefix;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }
}
