// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import dev.mailgate.core.metrics.PipelineMetrics;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.metrics.Counter;
import dev.mailgate.metrics.Family;
import dev.mailgate.metrics.Registry;
import dev.mailgate.metrics.TextWriter;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything one gateway exports, in one registry that lives as long as the gateway: the
 * pipeline's counters, policy reloads, and collectors that read the current policy's DNS
 * resolver, store and external filters when scraped. The gateway tells it which policy runs
 * ({@link #adopted}), which failed to load, and which is being retired.
 */
public final class GatewayMetrics {
    private final Registry registry = new Registry();
    private final PipelineMetrics pipeline = new PipelineMetrics(registry);
    private final Counter reloadsOk;
    private final Counter reloadsFailed;
    private final AtomicReference<Policy> current = new AtomicReference<>();
    private volatile double adoptedAt;
    private final DnsCollector dns = new DnsCollector();
    private final StoreCollector store = new StoreCollector(current::get);

    public GatewayMetrics(Policy first) {
        Family.Counters reloads = registry.counters("mailgate_policy_reloads_total",
                "Policy reloads (SIGHUP) by result: ok, or failed (the running policy stays).", "result");
        reloadsOk = reloads.labels("ok");
        reloadsFailed = reloads.labels("failed");
        registry.register(this::writePolicy);
        registry.register(dns);
        registry.register(store);
        registry.register(new ExternalFilterCollector(current::get));
        registry.register(new JvmCollector());
        adopt(first);
    }

    /** Where the pipeline records (sessions, verdicts, filter calls). */
    public PipelineMetrics pipeline() {
        return pipeline;
    }

    /** A reload put {@code p} in place. */
    public void reloaded(Policy p) {
        reloadsOk.increment();
        adopt(p);
    }

    /** A reload failed; the running policy stays. */
    public void reloadFailed() {
        reloadsFailed.increment();
    }

    /** {@code p} is about to be closed: its services' counters are read a last time. */
    public void retiring(Policy p) {
        dns.retire(p);
        store.retire(p);
    }

    /** The text Prometheus scrapes. */
    public String scrape() {
        return registry.scrape();
    }

    private void adopt(Policy p) {
        Objects.requireNonNull(p);
        dns.adopt(p);
        store.adopt(p);
        current.set(p);
        adoptedAt = System.currentTimeMillis() / 1000.0;
    }

    private void writePolicy(TextWriter out) {
        out.family("mailgate_policy_info", TextWriter.Type.GAUGE, "The running policy, by the file it was loaded from; always 1.")
                .sample(1, "source", current.get().source());
        out.family("mailgate_policy_loaded_timestamp_seconds", TextWriter.Type.GAUGE,
                "When the running policy was put in place, in seconds since the epoch.").sample(adoptedAt);
    }
}
