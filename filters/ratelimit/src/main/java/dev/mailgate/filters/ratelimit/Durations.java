// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.ratelimit;

import java.time.Duration;

/** A window written back the way a policy writes it: {@code 1h}, {@code 90s}, {@code 2d}. */
final class Durations {
    private Durations() {}

    static String text(Duration d) {
        long s = d.toSeconds();
        if (d.toMillis() % 1000 != 0) return d.toMillis() + "ms";
        if (s > 0 && s % 86_400 == 0) return s / 86_400 + "d";
        if (s > 0 && s % 3600 == 0) return s / 3600 + "h";
        if (s > 0 && s % 60 == 0) return s / 60 + "m";
        return s + "s";
    }
}
