// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import java.time.Duration;

/**
 * The arithmetic of the sliding-window counter, shared by both stores so that they count alike:
 * time is cut into fixed slots of one window; the estimate for "the last window" is the current
 * slot's count plus the previous slot's count weighted by the part of it the window still covers.
 */
record Windows(long slot, double previousWeight, long windowMillis) {

    static Windows at(long nowMillis, Duration window) {
        long w = Math.max(1, window.toMillis());
        long slot = Math.floorDiv(nowMillis, w);
        double elapsed = (double) Math.floorMod(nowMillis, w) / w;
        return new Windows(slot, 1.0 - elapsed, w);
    }

    /** The estimate before counting, from the counts of the current and the previous slot. */
    long estimate(long current, long previous) {
        return (long) Math.floor(previous * previousWeight) + current;
    }

    /** How long a window key must live: the current slot, and the next one that reads it as previous. */
    Duration ttl() {
        return Duration.ofMillis(2 * windowMillis);
    }
}
