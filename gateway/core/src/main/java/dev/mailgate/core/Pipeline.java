// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core;

import dev.mailgate.core.metrics.FrontEndMeter;
import dev.mailgate.core.metrics.PipelineMetrics;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.metrics.Registry;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The entry point for front ends: holds the running policy and creates sessions. A reload swaps
 * the policy atomically; sessions already open keep the policy they started with, so one SMTP
 * session never sees two policies.
 */
public final class Pipeline {
    private final AtomicReference<Policy> policy;
    private final ExecutorService threads = Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("session-", 0).factory());
    private final AtomicLong sessions = new AtomicLong();
    private final java.util.List<java.util.function.Consumer<Session>> observers = new java.util.concurrent.CopyOnWriteArrayList<>();

    private final PipelineMetrics metrics;

    /** A pipeline that counts into a registry of its own (tests, the offline {@code mailgate test}). */
    public Pipeline(Policy policy) {
        this(policy, new PipelineMetrics(new Registry()));
    }

    /** A pipeline that counts into {@code metrics} (the gateway's registry, which the metrics listener serves). */
    public Pipeline(Policy policy, PipelineMetrics metrics) {
        this.metrics = Objects.requireNonNull(metrics);
        metrics.bind(policy);
        this.policy = new AtomicReference<>(Objects.requireNonNull(policy));
    }

    public PipelineMetrics metrics() {
        return metrics;
    }

    public Policy policy() {
        return policy.get();
    }

    /** Installs a new policy for sessions opened from now on. */
    public void replace(Policy next) {
        metrics.bind(next); // before the set: no session of the new policy may record into an unbound meter
        policy.set(Objects.requireNonNull(next));
    }

    /** A new session on the current policy; {@code macros} is how the front end exposes MTA macros. */
    public Session open(String frontEnd, MacroSource macros) {
        String id = frontEnd + "-" + Long.toString(sessions.incrementAndGet(), 36);
        FrontEndMeter meter = metrics.frontEnd(frontEnd);
        Session s = new Session(id, policy.get(), macros, threads, meter);
        meter.sessionOpened();
        for (var o : observers) o.accept(s);
        return s;
    }

    /**
     * Calls {@code observer} with every session opened from now on, on the opening thread.
     * For tests and traces that compare what sessions saw (e.g. milter / SMTP proxy parity).
     */
    public void observeSessions(java.util.function.Consumer<Session> observer) {
        observers.add(Objects.requireNonNull(observer));
    }

    public long sessionsOpened() {
        return sessions.get();
    }
}
