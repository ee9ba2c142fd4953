// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address as SPF sees it: parsed by hand, because {@code InetAddress} would
 * resolve host names and silently turn {@code ::ffff:1.2.3.4} into IPv4 where SPF needs to
 * choose (an ip6 network keeps its 16 bytes; a client address is folded to IPv4, RFC 7208 §5).
 */
final class IpAddress {
    private final byte[] bytes;

    private IpAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    /**
     * The SMTP client's address (dotted quad or IPv6 text, optionally {@code [..]} or
     * {@code IPv6:}). An IPv4-mapped IPv6 address is the IPv4 address (RFC 7208 §5/9).
     */
    static Optional<IpAddress> client(String text) {
        String t = text.trim();
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        if (t.regionMatches(true, 0, "IPv6:", 0, 5)) t = t.substring(5);
        byte[] b = t.indexOf(':') >= 0 ? parse6(t) : parse4(t, false);
        if (b == null) return Optional.empty();
        if (b.length == 16 && isMapped(b)) b = Arrays.copyOfRange(b, 12, 16);
        return Optional.of(new IpAddress(b));
    }

    /** An {@code ip4-network} of a record: four decimal octets without leading zeros. */
    static IpAddress ip4Network(String text) {
        byte[] b = parse4(text, true);
        return b == null ? null : new IpAddress(b);
    }

    /** An {@code ip6-network} of a record (RFC 4291 text, IPv4 tail allowed). */
    static IpAddress ip6Network(String text) {
        byte[] b = parse6(text);
        return b == null ? null : new IpAddress(b);
    }

    /** For tests and address records: any literal, kept as written (no IPv4 folding). */
    static IpAddress literal(String text) {
        byte[] b = text.indexOf(':') >= 0 ? parse6(text) : parse4(text, false);
        return b == null ? null : new IpAddress(b);
    }

    boolean isIpv6() {
        return bytes.length == 16;
    }

    /** True if the first {@code prefix} bits equal those of {@code network} (same family only). */
    boolean inNetwork(IpAddress network, int prefix) {
        if (network.bytes.length != bytes.length) return false;
        int full = prefix / 8;
        for (int i = 0; i < full; i++) if (bytes[i] != network.bytes[i]) return false;
        int rest = prefix % 8;
        if (rest == 0) return true;
        int mask = (0xff << (8 - rest)) & 0xff;
        return (bytes[full] & mask) == (network.bytes[full] & mask);
    }

    /** Macro {@code v}: {@code in-addr} or {@code ip6}. */
    String version() {
        return isIpv6() ? "ip6" : "in-addr";
    }

    /**
     * Macro {@code i}: the dotted quad, or 32 dot-separated nibbles. The nibbles are upper case
     * as the RFC 7208 test suite expects ({@code v-macro-ip6}); DNS compares names ignoring case.
     */
    String dotted() {
        if (!isIpv6()) return readable();
        String hex = HexFormat.of().withUpperCase().formatHex(bytes);
        return String.join(".", hex.split(""));
    }

    /** The name of the PTR query: {@code 4.3.2.1.in-addr.arpa} or the ip6.arpa nibble name. */
    String reverseName() {
        StringBuilder sb = new StringBuilder();
        if (isIpv6()) {
            String hex = HexFormat.of().formatHex(bytes);
            for (int i = hex.length() - 1; i >= 0; i--) sb.append(hex.charAt(i)).append('.');
            return sb.append("ip6.arpa").toString();
        }
        for (int i = 3; i >= 0; i--) sb.append(bytes[i] & 0xff).append('.');
        return sb.append("in-addr.arpa").toString();
    }

    /** Macro {@code c} and header text: dotted quad, or RFC 5952 (lower case, longest zero run as ::). */
    String readable() {
        if (!isIpv6()) return (bytes[0] & 0xff) + "." + (bytes[1] & 0xff) + "." + (bytes[2] & 0xff) + "." + (bytes[3] & 0xff);
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        int bestStart = -1;
        int bestLen = 1; // a single zero group is never shortened (RFC 5952 §4.2.2)
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') sb.append(':');
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpAddress a && Arrays.equals(a.bytes, bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return readable();
    }

    private static boolean isMapped(byte[] b) {
        for (int i = 0; i < 10; i++) if (b[i] != 0) return false;
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /** Four decimal octets; {@code strict} refuses leading zeros (RFC 7208 qnum). */
    private static byte[] parse4(String s, boolean strict) {
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) return null;
        byte[] b = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) return null;
            if (strict && p.length() > 1 && p.charAt(0) == '0') return null;
            int v = Integer.parseInt(p);
            if (v > 255) return null;
            b[i] = (byte) v;
        }
        return b;
    }

    /** RFC 4291 §2.2 text: eight groups, at most one {@code ::}, optionally a dotted-quad tail. */
    private static byte[] parse6(String s) {
        String lower = s.toLowerCase(Locale.ROOT);
        int dc = lower.indexOf("::");
        if (dc >= 0 && lower.indexOf("::", dc + 1) >= 0) return null;
        String head = dc >= 0 ? lower.substring(0, dc) : lower;
        String tail = dc >= 0 ? lower.substring(dc + 2) : "";
        int[] h = groups(head, dc < 0); // a dotted-quad tail can only end the address
        int[] t = dc >= 0 ? groups(tail, true) : new int[0];
        if (h == null || t == null) return null;
        int total = h.length + t.length;
        if (dc < 0 ? total != 8 : total > 7) return null;
        int[] all = new int[8];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(t, 0, all, 8 - t.length, t.length);
        byte[] b = new byte[16];
        for (int i = 0; i < 8; i++) {
            b[2 * i] = (byte) (all[i] >> 8);
            b[2 * i + 1] = (byte) all[i];
        }
        return b;
    }

    /** Colon-separated hex groups; the last may be a dotted quad (two groups) if {@code allowV4}. */
    private static int[] groups(String s, boolean allowV4) {
        if (s.isEmpty()) return new int[0];
        String[] parts = s.split(":", -1);
        int[] out = new int[parts.length + 1];
        int n = 0;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && allowV4 && p.indexOf('.') >= 0) {
                byte[] v4 = parse4(p, false);
                if (v4 == null) return null;
                out[n++] = ((v4[0] & 0xff) << 8) | (v4[1] & 0xff);
                out[n++] = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
                continue;
            }
            if (p.isEmpty() || p.length() > 4) return null;
            for (int k = 0; k < p.length(); k++) if (Character.digit(p.charAt(k), 16) < 0) return null;
            out[n++] = Integer.parseInt(p, 16);
        }
        return Arrays.copyOf(out, n);
    }
}
