// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import java.util.Arrays;
import java.util.Objects;

/** Argument checks shared by the packet records. */
final class Checks {
    private Checks() {
    }

    /**
     * A protocol string must not contain NUL: on the wire NUL terminates it, so an embedded NUL
     * would silently split the value and shift every following field.
     */
    static String noNul(String s, String what) {
        Objects.requireNonNull(s, what);
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " must not contain NUL: " + s.replace('\0', '@'));
        }
        return s;
    }

    static String nonEmpty(String s, String what) {
        noNul(s, what);
        if (s.isEmpty()) {
            throw new IllegalArgumentException(what + " must not be empty");
        }
        return s;
    }

    /** The code letters are single bytes on the wire. */
    static char oneByte(char c, String what) {
        if (c > 0xFF) {
            throw new IllegalArgumentException(what + " must be a single byte, got U+" + Integer.toHexString(c));
        }
        return c;
    }

    static String describe(byte[] data) {
        int n = Math.min(data.length, 16);
        StringBuilder sb = new StringBuilder().append(data.length).append(" bytes");
        if (n > 0) {
            sb.append(" \"");
            for (int i = 0; i < n; i++) {
                int b = data[i] & 0xFF;
                if (b >= 0x20 && b < 0x7F) {
                    sb.append((char) b);
                } else {
                    sb.append(String.format("\\x%02x", b));
                }
            }
            sb.append(data.length > n ? "...\"" : "\"");
        }
        return sb.toString();
    }

    static int hash(byte[] data) {
        return Arrays.hashCode(data);
    }
}
