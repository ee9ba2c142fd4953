// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import dev.mailgate.api.FilterSettings;
import java.time.Duration;

/** Settings every external filter reads the same way. */
public final class Settings {
    private Settings() {}

    /** The required {@code address}, parsed without connecting. */
    public static ScannerAddress address(FilterSettings s, int defaultPort) {
        String text = s.string("address").orElseThrow(() -> s.invalid("address",
                "an address is required (unix:/path or inet:host:port; filterAddress with addFilter)"));
        try {
            return ScannerAddress.parse(text, defaultPort);
        } catch (IllegalArgumentException e) {
            throw s.invalid("address", e.getMessage());
        }
    }

    /** {@code maxSize}: larger messages are not sent to the scanner (0: no limit). */
    public static long maxSize(FilterSettings s, long defaultValue) {
        long v = s.integer("maxSize", defaultValue);
        if (v < 0) throw s.invalid("maxSize", "must be 0 (no limit) or more");
        return v;
    }

    /**
     * {@code ioTimeout}: the filter's own deadline for one exchange with the scanner; null when not
     * set, so that only the chain's {@code timeout} applies.
     */
    public static Duration ioTimeout(FilterSettings s) {
        if (!s.keys().contains("ioTimeout")) return null;
        Duration d = s.duration("ioTimeout", Duration.ZERO);
        if (d.isZero() || d.isNegative()) throw s.invalid("ioTimeout", "must be longer than 0");
        return d;
    }

    /** {@code connectTimeout}, 5 s unless set. */
    public static Duration connectTimeout(FilterSettings s) {
        Duration d = s.duration("connectTimeout", Duration.ofSeconds(5));
        if (d.isZero() || d.isNegative()) throw s.invalid("connectTimeout", "must be longer than 0");
        return d;
    }

    /** {@code headers}: {@code replace} (default: drop forged ones first), {@code add} or {@code off}. */
    public static String headerMode(FilterSettings s) {
        String m = s.string("headers", "replace");
        if (!m.equals("replace") && !m.equals("add") && !m.equals("off")) {
            throw s.invalid("headers", "must be replace, add or off, not '" + m + "'");
        }
        return m;
    }
}
