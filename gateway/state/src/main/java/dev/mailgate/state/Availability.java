// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the shared backend is worth asking. After a failure it is skipped for {@code retry}
 * (so that a dead Redis costs each message nothing instead of a timeout), then tried again. Each
 * change of state is logged once, never per message; failures and fallbacks are counted.
 */
final class Availability {
    private static final Logger LOG = LoggerFactory.getLogger(Availability.class);

    private final String what;
    private final String whileDown;
    private final Duration retry;
    private final InstantSource clock;
    private final AtomicBoolean down = new AtomicBoolean();
    private final LongAdder failures = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private final LongAdder failuresThisOutage = new LongAdder();
    private volatile long retryAtMillis = Long.MIN_VALUE;

    /**
     * @param what      names the backend in log lines ({@code redis store redis://127.0.0.1:6379})
     * @param whileDown what happens meanwhile, for the log line ({@code using local state})
     */
    Availability(String what, String whileDown, Duration retry, InstantSource clock) {
        this.what = what;
        this.whileDown = whileDown;
        this.retry = retry;
        this.clock = clock;
    }

    /** True if an operation should go to the backend now. */
    boolean tryBackend() {
        return clock.millis() >= retryAtMillis;
    }

    void succeeded() {
        if (down.compareAndSet(true, false)) {
            retryAtMillis = Long.MIN_VALUE;
            LOG.info("{} is back after {} failed operations; shared state resumes", what, failuresThisOutage.sumThenReset());
        }
    }

    void failed(Throwable cause) {
        failures.increment();
        failuresThisOutage.increment();
        retryAtMillis = clock.millis() + retry.toMillis();
        if (down.compareAndSet(false, true)) {
            LOG.warn("{} unavailable ({}); {} and retrying every {} s", what, describe(cause), whileDown, retry.toSeconds());
        }
    }

    void fellBack() {
        fallbacks.increment();
    }

    boolean isUp() {
        return !down.get();
    }

    long failures() {
        return failures.sum();
    }

    long fallbacks() {
        return fallbacks.sum();
    }

    static String describe(Throwable t) {
        Throwable c = t;
        while ((c instanceof java.util.concurrent.CompletionException || c instanceof java.util.concurrent.ExecutionException)
                && c.getCause() != null) {
            c = c.getCause();
        }
        return c.getClass().getSimpleName() + (c.getMessage() == null ? "" : ": " + c.getMessage());
    }
}
