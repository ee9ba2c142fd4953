// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.metrics;

import dev.mailgate.core.chain.ChainEntry;
import dev.mailgate.core.chain.FilterStats;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.metrics.Counter;
import dev.mailgate.metrics.Family;
import dev.mailgate.metrics.Registry;
import dev.mailgate.metrics.TextWriter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pipeline's metrics in a gateway's registry. They live as long as the gateway, not the
 * policy: a reload binds the new policy's filters to the same per-name stats ({@link #bind}), so
 * no counter starts over.
 */
public final class PipelineMetrics {
    private final Registry registry;
    private final Family.Counters sessionsOpened;
    private final Family.Counters sessionsClosed;
    private final Family.Counters messages;
    private final Family.Counters stageVerdicts;
    private final Family.Counters connectionsRefused;
    private final Family.Counters filterCalls;
    private final Family.Histograms filterDuration;
    private final Map<String, FrontEndMeter> frontEnds = new ConcurrentHashMap<>();
    private final Map<String, FilterStats> filters = new ConcurrentHashMap<>();

    public PipelineMetrics(Registry registry) {
        this.registry = registry;
        sessionsOpened = registry.counters("mailgate_sessions_opened_total", "SMTP sessions opened, per front end.", "frontend");
        sessionsClosed = registry.counters("mailgate_sessions_closed_total", "SMTP sessions ended, per front end.", "frontend");
        registry.register(this::writeOpenSessions);
        messages = registry.counters("mailgate_messages_total",
                "Messages by the verdict at the end of data (one per verdict log line), per front end.", "frontend", "verdict");
        stageVerdicts = registry.counters("mailgate_stage_verdicts_total",
                "Verdicts other than continue decided before the end of data (e.g. a refused recipient), per front end and event.",
                "frontend", "event", "verdict");
        connectionsRefused = registry.counters("mailgate_connections_refused_total",
                "Connections closed before a session began, per front end and reason (per_ip_limit, proxy_header).", "frontend", "reason");
        filterCalls = registry.counters("mailgate_filter_calls_total",
                "Filter callbacks by filter name and outcome (ok, error, timeout).", "filter", "outcome");
        filterDuration = registry.histograms("mailgate_filter_duration_seconds",
                "How long filter callbacks took, by filter name.", FilterStats.BOUNDS, "filter");
    }

    public Registry registry() {
        return registry;
    }

    /**
     * A connection turned away before it had a session, so no session counter sees it: over the
     * per-client-IP limit, or without a usable PROXY protocol header.
     */
    public void connectionRefused(String frontEnd, String reason) {
        connectionsRefused.labels(frontEnd, reason).increment();
    }

    /** How many connections were turned away for {@code reason} (tests). */
    public long connectionsRefused(String frontEnd, String reason) {
        return connectionsRefused.labels(frontEnd, reason).value();
    }

    /** The meter of front end {@code name}, created on first use. */
    public FrontEndMeter frontEnd(String name) {
        FrontEndMeter m = frontEnds.get(name);
        return m != null ? m : frontEnds.computeIfAbsent(name, n -> new FrontEndMeter(n, sessionsOpened, sessionsClosed, messages, stageVerdicts));
    }

    /**
     * Binds every filter of {@code policy} (the chain and the filters rules add) to the stats of
     * its name. Call it before sessions can see the policy.
     */
    public void bind(Policy policy) {
        for (ChainEntry e : policy.chain()) e.meter().bind(filter(e.name()));
        for (ChainEntry e : policy.addedFilters().values()) e.meter().bind(filter(e.name()));
    }

    private FilterStats filter(String name) {
        return filters.computeIfAbsent(name, n -> {
            FilterStats.Outcome[] outcomes = FilterStats.Outcome.values();
            Counter[] calls = new Counter[outcomes.length];
            // every outcome from 0: an alert on errors must see the series before the first error
            for (int i = 0; i < outcomes.length; i++) calls[i] = filterCalls.labels(n, outcomes[i].label());
            return new FilterStats(calls, filterDuration.labels(n));
        });
    }

    private void writeOpenSessions(TextWriter out) {
        out.family("mailgate_sessions_open", TextWriter.Type.GAUGE, "SMTP sessions open now, per front end.");
        frontEnds.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> out.sample(e.getValue().open(), "frontend", e.getKey()));
    }
}
