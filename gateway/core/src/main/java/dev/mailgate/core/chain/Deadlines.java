// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.chain;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One timer thread for every deadline in the gateway: a filter callback's and a whole stage's.
 * Scheduling and cancelling an alarm costs about a microsecond, far less than moving each call
 * to a thread of its own.
 */
public final class Deadlines {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailgate-deadlines");
        t.setDaemon(true);
        return t;
    });

    private Deadlines() {}

    public static ScheduledFuture<?> after(Duration delay, Runnable alarm) {
        return TIMER.schedule(alarm, delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Interrupts the calling thread if it is still inside the guarded region when the deadline
     * passes. {@link #close()} ends the region; after it returns no interrupt can arrive, and a
     * pending one from this guard is cleared.
     */
    public static final class Guard implements AutoCloseable {
        private final Thread thread = Thread.currentThread();
        private final ScheduledFuture<?> alarm;
        private boolean done;
        private boolean fired;

        public Guard(Duration timeout) {
            this.alarm = after(timeout, this::fire);
        }

        private synchronized void fire() {
            if (done) return;
            fired = true;
            thread.interrupt();
        }

        /** True if the deadline passed while the region ran. */
        public synchronized boolean fired() {
            return fired;
        }

        @Override
        public synchronized void close() {
            done = true;
            alarm.cancel(false);
            if (fired) Thread.interrupted(); // our interrupt must not hit the next callback
        }
    }
}
