// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;

/**
 * Durations counted into fixed buckets. Recording takes nanoseconds (what {@link System#nanoTime()}
 * differences give) and costs a short scan of the bounds plus two {@link LongAdder} increments:
 * no lock, no allocation. Buckets are stored per bucket and made cumulative when read, so that a
 * sample lands in exactly one cell.
 */
public final class Histogram {
    private final double[] boundsSeconds;
    private final long[] boundsNanos;
    /** One cell per bound plus the overflow cell (+Inf). */
    private final LongAdder[] cells;
    private final LongAdder sumNanos = new LongAdder();

    /** {@code boundsSeconds}: the upper bounds, strictly increasing, finite and positive. */
    public Histogram(double... boundsSeconds) {
        if (boundsSeconds.length == 0) throw new IllegalArgumentException("a histogram needs at least one bucket bound");
        this.boundsSeconds = boundsSeconds.clone();
        this.boundsNanos = new long[boundsSeconds.length];
        for (int i = 0; i < boundsSeconds.length; i++) {
            double b = boundsSeconds[i];
            if (!(b > 0) || Double.isInfinite(b)) throw new IllegalArgumentException("bucket bound " + b + " is not a positive finite number");
            if (i > 0 && !(b > boundsSeconds[i - 1])) throw new IllegalArgumentException("bucket bounds must increase: " + Arrays.toString(boundsSeconds));
            boundsNanos[i] = Math.round(b * 1e9);
        }
        this.cells = new LongAdder[boundsSeconds.length + 1];
        for (int i = 0; i < cells.length; i++) cells[i] = new LongAdder();
    }

    /** Records one duration; a negative one (a clock step) counts as zero. */
    public void observeNanos(long nanos) {
        long n = Math.max(0, nanos);
        int i = 0;
        // a linear scan: with ten bounds it beats a binary search, and most calls stop early
        while (i < boundsNanos.length && n > boundsNanos[i]) i++;
        cells[i].increment();
        sumNanos.add(n);
    }

    /** The upper bounds in seconds (without +Inf). */
    public double[] bounds() {
        return boundsSeconds.clone();
    }

    /** What was recorded so far, with cumulative bucket counts as Prometheus wants them. */
    public Snapshot snapshot() {
        long[] cumulative = new long[cells.length];
        long running = 0;
        for (int i = 0; i < cells.length; i++) {
            running += cells[i].sum();
            cumulative[i] = running;
        }
        // count is the +Inf bucket read in the same pass, so count == last bucket in every scrape
        return new Snapshot(boundsSeconds.clone(), cumulative, sumNanos.sum() / 1e9);
    }

    /**
     * @param bounds     upper bounds in seconds, without +Inf
     * @param cumulative observations at or below each bound, then the total (+Inf); one longer than {@code bounds}
     * @param sumSeconds the sum of all observations
     */
    public record Snapshot(double[] bounds, long[] cumulative, double sumSeconds) {
        public long count() {
            return cumulative[cumulative.length - 1];
        }
    }
}
