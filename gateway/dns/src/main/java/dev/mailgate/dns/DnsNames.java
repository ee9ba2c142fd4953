// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import dev.mailgate.api.IpNetwork;
import java.net.IDN;
import java.util.Locale;

/**
 * Name helpers shared by the DNS checks: the reversed forms of an address (RFC 1035 §3.5
 * {@code in-addr.arpa}, RFC 3596 §2.5 nibble {@code ip6.arpa}, the same forms under a DNSBL zone as
 * in RFC 5782 §2.1 and §2.4), address text in the canonical RFC 5952 form, and host name checks.
 * Nothing here touches the network.
 */
public final class DnsNames {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private DnsNames() {}

    /**
     * The labels of an address in reverse order: {@code 192.0.2.1} gives {@code 1.2.0.192}, an IPv6
     * address its 32 nibbles ({@code 2001:db8::1} gives {@code 1.0.0.0. ... .8.b.d.0.1.0.0.2}).
     * An IPv4-mapped IPv6 address keeps the IPv6 form (RFC 5782 §5 test point {@code ::FFFF:7F00:2}).
     *
     * @throws IllegalArgumentException if {@code ip} is not an IP address literal
     */
    public static String reversed(String ip) {
        byte[] a = address(ip);
        if (a == null) throw new IllegalArgumentException("'" + ip + "' is not an IP address");
        return reversed(a);
    }

    /** {@link #reversed(String)} for raw address bytes (4 or 16). */
    public static String reversed(byte[] a) {
        StringBuilder sb = new StringBuilder(a.length == 4 ? 16 : 64);
        if (a.length == 4) {
            for (int i = 3; i >= 0; i--) {
                sb.append(a[i] & 0xff);
                if (i > 0) sb.append('.');
            }
            return sb.toString();
        }
        if (a.length != 16) throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + a.length);
        for (int i = 15; i >= 0; i--) {
            sb.append(HEX[a[i] & 0xf]).append('.').append(HEX[(a[i] >> 4) & 0xf]);
            if (i > 0) sb.append('.');
        }
        return sb.toString();
    }

    /** The PTR name of an address: {@code 1.2.0.192.in-addr.arpa} or {@code ... .ip6.arpa}. */
    public static String ptrName(String ip) {
        byte[] a = address(ip);
        if (a == null) throw new IllegalArgumentException("'" + ip + "' is not an IP address");
        return reversed(a) + (a.length == 4 ? ".in-addr.arpa" : ".ip6.arpa");
    }

    /**
     * An address as text, IPv6 in the RFC 5952 canonical form ({@code 2001:db8::1}, lower case,
     * the longest run of two or more zero groups compressed, IPv4-mapped as {@code ::ffff:1.2.3.4}).
     */
    public static String format(byte[] a) {
        if (a.length == 4) return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        if (a.length != 16) throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + a.length);
        boolean mapped = true;
        for (int i = 0; i < 10; i++) mapped &= a[i] == 0;
        if (mapped && a[10] == (byte) 0xff && a[11] == (byte) 0xff) {
            return "::ffff:" + (a[12] & 0xff) + "." + (a[13] & 0xff) + "." + (a[14] & 0xff) + "." + (a[15] & 0xff);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) g[i] = ((a[2 * i] & 0xff) << 8) | (a[2 * i + 1] & 0xff);
        int bestStart = -1, bestLen = 0;
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) { i++; continue; }
            int j = i;
            while (j < 8 && g[j] == 0) j++;
            if (j - i > bestLen && j - i >= 2) { bestStart = i; bestLen = j - i; }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append(i == 0 ? "::" : ":");
                i += bestLen - 1;
                continue;
            }
            sb.append(Integer.toHexString(g[i]));
            if (i < 7) sb.append(':');
        }
        return sb.toString();
    }

    /** {@code ip} in the canonical form of {@link #format(byte[])}; null if it is not an address. */
    public static String canonicalAddress(String ip) {
        byte[] a = address(ip);
        return a == null ? null : format(a);
    }

    /**
     * The bytes of an address literal ({@code 192.0.2.1}, {@code 2001:db8::1},
     * {@code ::ffff:192.0.2.1}, also bracketed or with an {@code IPv6:} tag as in SMTP address
     * literals); null if {@code text} is not one. Unlike {@link java.net.InetAddress}, an
     * IPv4-mapped IPv6 address keeps its 16 bytes, so it is looked up in its IPv6 form. Never
     * touches DNS.
     */
    public static byte[] address(String text) {
        if (text == null) return null;
        String t = text.strip();
        if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
        if (t.regionMatches(true, 0, "IPv6:", 0, 5)) t = t.substring(5);
        if (t.indexOf(':') < 0) return t.indexOf('.') > 0 ? IpNetwork.literal(t) : null;
        return ipv6(t);
    }

    private static byte[] ipv6(String t) {
        int gap = t.indexOf("::");
        if (gap >= 0 && t.indexOf("::", gap + 1) >= 0) return null;
        String head = gap < 0 ? t : t.substring(0, gap);
        String tail = gap < 0 ? "" : t.substring(gap + 2);
        int[] h = groups(head);
        int[] tl = groups(tail);
        if (h == null || tl == null) return null;
        int n = h.length + tl.length;
        if (gap < 0 ? n != 8 : n > 7) return null;
        byte[] a = new byte[16];
        for (int i = 0; i < h.length; i++) put(a, i, h[i]);
        for (int i = 0; i < tl.length; i++) put(a, 8 - tl.length + i, tl[i]);
        return a;
    }

    /** Colon-separated 16-bit groups; a final dotted quad counts as two. Null if malformed. */
    private static int[] groups(String s) {
        if (s.isEmpty()) return new int[0];
        String[] parts = s.split(":", -1);
        int count = parts.length;
        String last = parts[parts.length - 1];
        byte[] quad = null;
        if (last.indexOf('.') >= 0) {
            quad = IpNetwork.literal(last);
            if (quad == null || quad.length != 4) return null;
            count++;
        }
        int[] g = new int[count];
        int limit = quad == null ? parts.length : parts.length - 1;
        for (int i = 0; i < limit; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 4) return null;
            int v = 0;
            for (int j = 0; j < p.length(); j++) {
                int d = Character.digit(p.charAt(j), 16);
                if (d < 0) return null;
                v = v * 16 + d;
            }
            g[i] = v;
        }
        if (quad != null) {
            g[count - 2] = ((quad[0] & 0xff) << 8) | (quad[1] & 0xff);
            g[count - 1] = ((quad[2] & 0xff) << 8) | (quad[3] & 0xff);
        }
        return g;
    }

    private static void put(byte[] a, int group, int v) {
        a[2 * group] = (byte) (v >> 8);
        a[2 * group + 1] = (byte) v;
    }

    /**
     * A name as the resolver keys it: ASCII (IDNA A-labels for a U-label name), lower case, without
     * the trailing dot. Null if it cannot be a DNS name (empty label, label over 63 or name over
     * 253 octets, characters IDNA refuses).
     */
    public static String normalize(String name) {
        if (name == null) return null;
        String n = name.strip();
        if (n.endsWith(".")) n = n.substring(0, n.length() - 1);
        if (n.isEmpty()) return null;
        for (int i = 0; i < n.length(); i++) {
            if (n.charAt(i) > 0x7f) {
                try {
                    n = IDN.toASCII(n, IDN.ALLOW_UNASSIGNED);
                } catch (IllegalArgumentException e) {
                    return null;
                }
                break;
            }
        }
        n = n.toLowerCase(Locale.ROOT);
        if (n.length() > 253) return null;
        int start = 0;
        for (int i = 0; i <= n.length(); i++) {
            if (i == n.length() || n.charAt(i) == '.') {
                int len = i - start;
                if (len == 0 || len > 63) return null;
                start = i + 1;
            }
        }
        return n;
    }

    /**
     * True for a syntactically valid host name (RFC 1123 §2.1 letters, digits and hyphens, no
     * leading or trailing hyphen in a label) with at least two labels, the last not all digits.
     * Underscores are refused: a host name (HELO, MX target) has none.
     */
    public static boolean isHostName(String name) {
        String n = normalize(name);
        if (n == null || n.indexOf('.') < 0) return false;
        String[] labels = n.split("\\.");
        for (String l : labels) {
            if (l.startsWith("-") || l.endsWith("-")) return false;
            for (int i = 0; i < l.length(); i++) {
                char c = l.charAt(i);
                if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
            }
        }
        String tld = labels[labels.length - 1];
        return !tld.chars().allMatch(Character::isDigit);
    }
}
