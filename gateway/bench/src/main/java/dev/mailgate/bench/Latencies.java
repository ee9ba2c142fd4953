// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import java.util.Arrays;

/** Recorded durations (nanoseconds) and their percentiles. Thread-safe by striping per worker. */
final class Latencies {
    private long[] values = new long[1024];
    private int count;

    synchronized void add(long nanos) {
        if (count == values.length) values = Arrays.copyOf(values, count * 2);
        values[count++] = nanos;
    }

    synchronized void addAll(Latencies other) {
        for (int i = 0; i < other.count; i++) add(other.values[i]);
    }

    synchronized int count() {
        return count;
    }

    /** p in [0,100]: the value below which p percent of the samples lie, in microseconds. */
    synchronized double percentileMicros(double p) {
        if (count == 0) return Double.NaN;
        long[] sorted = Arrays.copyOf(values, count);
        Arrays.sort(sorted);
        int idx = (int) Math.min(count - 1, Math.ceil(p / 100.0 * count) - 1);
        return sorted[Math.max(0, idx)] / 1000.0;
    }

    String summary() {
        return String.format("p50 %.0f µs  p99 %.0f µs  p99.9 %.0f µs  (n=%d)",
                percentileMicros(50), percentileMicros(99), percentileMicros(99.9), count());
    }
}
