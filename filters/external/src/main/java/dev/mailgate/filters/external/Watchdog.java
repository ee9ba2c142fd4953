// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Deadlines for blocking socket I/O. Channels (unix sockets in particular) have no read timeout, so
 * a timer closes the channel when time is up; the blocked read then fails and the caller asks
 * {@link Alarm#fired()} whether it was the deadline. One daemon thread serves every filter.
 */
public final class Watchdog {
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "mailgate-external-watchdog");
        t.setDaemon(true);
        return t;
    });

    private Watchdog() {}

    /** A pending deadline; cancel it when the work finished in time. */
    public static final class Alarm implements AutoCloseable {
        private final AtomicBoolean fired = new AtomicBoolean();
        private final ScheduledFuture<?> future;

        private Alarm(Duration after, AutoCloseable target) {
            this.future = after == null || after.isZero() || after.isNegative() ? null : TIMER.schedule(() -> {
                fired.set(true);
                try {
                    target.close();
                } catch (Exception ignored) {
                    // the blocked caller sees the channel closed; nothing else to do
                }
            }, after.toNanos(), TimeUnit.NANOSECONDS);
        }

        /** True if the deadline passed and the target was closed. */
        public boolean fired() {
            return fired.get();
        }

        @Override
        public void close() {
            if (future != null) future.cancel(false);
        }
    }

    /** Closes {@code target} after {@code after} unless the returned alarm is closed first; null or zero: never. */
    public static Alarm arm(Duration after, AutoCloseable target) {
        return new Alarm(after, target);
    }
}
