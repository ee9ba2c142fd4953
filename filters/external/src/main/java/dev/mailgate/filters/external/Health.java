// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Health counters of one external filter, kept by filter name across policy reloads, for metrics
 * ({@link #all()}) and for the one log line when a failing scanner answers again. A failure
 * itself is logged once by the chain (with the onError verdict), not here.
 */
public final class Health {
    private static final Logger LOG = LoggerFactory.getLogger(Health.class);
    private static final Map<String, Health> BY_NAME = new ConcurrentHashMap<>();

    private final String type;
    private final String name;
    private final AtomicLong checks = new AtomicLong();
    private final AtomicLong hits = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicLong timeouts = new AtomicLong();
    private final AtomicLong nanos = new AtomicLong();
    private final AtomicLong failingSince = new AtomicLong();
    private final AtomicReference<String> lastError = new AtomicReference<>("");

    private Health(String type, String name) {
        this.type = type;
        this.name = name;
    }

    /** The counters of filter {@code name} (created on first use). */
    public static Health of(String type, String name) {
        return BY_NAME.computeIfAbsent(name, n -> new Health(type, n));
    }

    /** Every external filter's counters, by name. */
    public static Map<String, Health> all() {
        return Map.copyOf(BY_NAME);
    }

    /** A completed check; {@code hit} if the scanner found something (virus, spam, reject). */
    public void answered(boolean hit, long startNanos) {
        checks.incrementAndGet();
        if (hit) hits.incrementAndGet();
        nanos.addAndGet(System.nanoTime() - startNanos);
        long down = failingSince.getAndSet(0);
        if (down > 0) LOG.info("filter={} ({}) answers again after {} failed checks", name, type, down);
    }

    /** A message not checked on purpose (too large). */
    public void skipped() {
        skipped.incrementAndGet();
    }

    /** A check that failed. */
    public void failed(boolean timeout, String why) {
        (timeout ? timeouts : errors).incrementAndGet();
        failingSince.incrementAndGet();
        lastError.set(why == null ? "" : why);
    }

    /** A snapshot for metrics: checks, hits, skipped, errors, timeouts, consecutive failures, mean latency. */
    public Map<String, Object> snapshot() {
        long c = checks.get();
        return Map.of("type", type, "checks", c, "hits", hits.get(), "skipped", skipped.get(), "errors", errors.get(),
                "timeouts", timeouts.get(), "consecutiveFailures", failingSince.get(),
                "meanMillis", c == 0 ? 0.0 : nanos.get() / 1e6 / c, "lastError", lastError.get());
    }

    /** The counters of filter {@code name}, if a filter of that name was ever built. */
    public static java.util.Optional<Health> find(String name) {
        return java.util.Optional.ofNullable(BY_NAME.get(name));
    }

    /** The counters at one moment, typed (for the metrics endpoint). */
    public Counts counts() {
        return new Counts(checks.get(), hits.get(), skipped.get(), errors.get(), timeouts.get(), isFailing());
    }

    /**
     * @param answered checks the scanner answered
     * @param hits     of which it found something (virus, spam, reject)
     * @param skipped  messages not checked on purpose (larger than maxSize)
     * @param errors   checks that failed other than by a timeout
     * @param timeouts checks that timed out
     * @param failing  true while the last check failed
     */
    public record Counts(long answered, long hits, long skipped, long errors, long timeouts, boolean failing) {}

    /** True while the last check failed. */
    public boolean isFailing() {
        return failingSince.get() > 0;
    }
}
