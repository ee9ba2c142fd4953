// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.greylist;

import java.time.Duration;
import java.util.Optional;

/**
 * The greylisting timing rules, as a pure function of what the store holds for a triplet and the
 * time: no I/O here, so every rule is tested with plain numbers.
 *
 * <p>A triplet's value is {@code F<millis>} (first seen then, not passed yet) or
 * {@code P<millis>} (passed, last confirmed then). A first attempt is deferred; a retry before
 * {@code delay} is deferred again; a retry between {@code delay} and {@code retryWindow} after the
 * first attempt passes and is remembered for {@code passLifetime}; a retry later than the window
 * starts over, as does a pass older than its lifetime.
 */
record TripletRules(Duration delay, Duration retryWindow, Duration passLifetime) {

    /** What became of the triplet. */
    enum Status {
        /** First attempt (or the first after the state expired): deferred. */
        NEW,
        /** Retried before the delay was over: deferred. */
        EARLY,
        /** Retried within the window: passes from now on. */
        PASSED,
        /** Passed before, still remembered: passes. */
        KNOWN;

        boolean deferred() {
            return this == NEW || this == EARLY;
        }

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What to write back. */
    enum Write {
        /** Record the first attempt, unless another node or session just did ({@code putIfAbsent}). */
        CLAIM,
        /** Start over: the first attempt is now ({@code put}). */
        RESTART,
        /** The triplet passed: remember it, and count it for the client's auto-whitelist. */
        MARK_PASSED,
        /** Extend a pass that is being used. */
        REFRESH,
        NONE
    }

    /**
     * @param retryIn seconds until the triplet would pass (0 when it passes)
     */
    record Step(Status status, Write write, long retryIn) {}

    static String firstSeen(long millis) {
        return "F" + millis;
    }

    static String passed(long millis) {
        return "P" + millis;
    }

    Step next(Optional<String> stored, long now) {
        long delayMs = delay.toMillis();
        if (stored.isEmpty()) return new Step(Status.NEW, Write.CLAIM, seconds(delayMs));
        String v = stored.get();
        long at = parse(v);
        if (at < 0) return new Step(Status.NEW, Write.RESTART, seconds(delayMs)); // unreadable: start over
        long elapsed = now - at;
        if (v.charAt(0) == 'P') {
            if (elapsed > passLifetime.toMillis()) return new Step(Status.NEW, Write.RESTART, seconds(delayMs));
            // refresh now and then, not on every message: one write per triplet per 1/32 of its lifetime
            return new Step(Status.KNOWN, elapsed > passLifetime.toMillis() / 32 ? Write.REFRESH : Write.NONE, 0);
        }
        if (elapsed < 0 || elapsed > retryWindow.toMillis()) return new Step(Status.NEW, Write.RESTART, seconds(delayMs));
        if (elapsed < delayMs) return new Step(Status.EARLY, Write.NONE, seconds(delayMs - elapsed));
        return new Step(Status.PASSED, Write.MARK_PASSED, 0);
    }

    /** How long a first-seen record must be kept: until the retry window closes. */
    Duration firstSeenTtl() {
        return retryWindow;
    }

    private static long parse(String v) {
        if (v.length() < 2 || (v.charAt(0) != 'F' && v.charAt(0) != 'P')) return -1;
        try {
            return Long.parseLong(v, 1, v.length(), 10);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static long seconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }
}
