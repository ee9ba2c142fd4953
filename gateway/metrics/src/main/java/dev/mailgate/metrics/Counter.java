// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * A monotonic count. Increments are lock-free and contend little across threads
 * ({@link LongAdder}); {@link #value()} sums the cells, so read it when scraping, not per event.
 */
public final class Counter {
    private final LongAdder count = new LongAdder();

    public void increment() {
        count.increment();
    }

    /** Adds {@code n}; a negative {@code n} would make the counter go backwards, so it is refused. */
    public void add(long n) {
        if (n < 0) throw new IllegalArgumentException("a counter only goes up, not by " + n);
        count.add(n);
    }

    public long value() {
        return count.sum();
    }
}
