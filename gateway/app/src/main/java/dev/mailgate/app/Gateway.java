// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import dev.mailgate.app.metrics.GatewayMetrics;
import dev.mailgate.app.metrics.MetricsServer;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.ListenAddress;
import dev.mailgate.core.policy.ListenerConfig;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.milter.server.MilterServer;
import dev.mailgate.smtp.server.SmtpProxyServer;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wired gateway: pipeline plus listeners. {@link #reload()} loads the policy again and swaps
 * it in atomically; a policy that fails to load leaves the running one in place and says why.
 * The metrics (and their listener, when the policy has one) belong to the gateway, not to a
 * policy: a reload neither rebinds the endpoint nor resets a counter.
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
    static final String DEFAULT_LISTENER = "inet:127.0.0.1:8899";
    /** Longer than any SMTP session should take with Postfix's default milter timeouts. */
    static final java.time.Duration RETIRE_AFTER = java.time.Duration.ofMinutes(10);

    private final Supplier<Policy> source;
    private final Pipeline pipeline;
    private final GatewayMetrics metrics;
    private final MilterServer milter;
    /** Started only when the policy has a metrics listener. */
    private MetricsServer metricsServer;
    /** Started only when the policy has smtp listeners. */
    private SmtpProxyServer smtp;
    private final List<SocketAddress> bound = new ArrayList<>();

    private Gateway(Supplier<Policy> source, Policy first) {
        this.source = source;
        this.metrics = new GatewayMetrics(first);
        this.pipeline = new Pipeline(first, metrics.pipeline());
        this.milter = new MilterServer(pipeline, first.milter(), first.milter().eventLoopThreads());
    }

    /** Starts on the policy's listeners (and on {@code inet:127.0.0.1:8899} for milter if it has no mail listener). */
    public static Gateway start(Supplier<Policy> source) throws IOException, InterruptedException {
        Policy first = source.get();
        Gateway g = new Gateway(source, first);
        try {
            List<ListenerConfig> listeners = first.listeners().stream().allMatch(ListenerConfig::isMetrics)
                    ? java.util.stream.Stream.concat(first.listeners().stream(),
                            java.util.stream.Stream.of(new ListenerConfig("milter", ListenAddress.parse(DEFAULT_LISTENER), null, null, null))).toList()
                    : first.listeners();
            for (ListenerConfig l : listeners) {
                if (l.isMetrics()) {
                    g.metricsServer = MetricsServer.start(l.address(), g.metrics::scrape);
                    g.bound.add(g.metricsServer.address());
                    continue;
                }
                // the front end's series exist from 0 as soon as it listens, not from its first session
                g.metrics.pipeline().frontEnd(l.protocol());
                if (l.isSmtp()) {
                    if (g.smtp == null) g.smtp = new SmtpProxyServer(g.pipeline, Math.max(1, Runtime.getRuntime().availableProcessors()));
                    g.bound.add(g.smtp.bind(l));
                } else {
                    g.bound.add(g.milter.bind(l));
                }
            }
        } catch (IOException | InterruptedException | RuntimeException e) {
            g.close();
            throw e;
        }
        return g;
    }

    public List<SocketAddress> boundAddresses() {
        return List.copyOf(bound);
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    /** What the metrics listener serves (also without one, for tests and diagnostics). */
    public GatewayMetrics metrics() {
        return metrics;
    }

    /** The metrics listener's address, if the policy has one. */
    public java.util.Optional<java.net.InetSocketAddress> metricsAddress() {
        return java.util.Optional.ofNullable(metricsServer).map(MetricsServer::address);
    }

    /** Reloads the policy; true if the new one is in place. Listener changes need a restart. */
    public boolean reload() {
        try {
            Policy next = source.get();
            Policy old = pipeline.policy();
            if (!next.listeners().equals(old.listeners()) && !next.listeners().isEmpty()) {
                LOG.warn("policy reload: listener changes take effect at the next restart");
            }
            if (next.milter().eventLoops() != old.milter().eventLoops()) {
                LOG.warn("policy reload: milter.eventLoops takes effect at the next restart");
            }
            pipeline.replace(next);
            metrics.reloaded(next);
            LOG.info("policy reloaded from {}", next.source());
            // sessions opened before the reload keep using the old policy's services for a while
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(RETIRE_AFTER.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                metrics.retiring(old); // its resolver's and store's counts carry on in the totals
                old.close();
            });
            return true;
        } catch (PolicyException e) {
            metrics.reloadFailed();
            LOG.error("policy reload failed, keeping the running policy: {}", e.getMessage());
            return false;
        } catch (RuntimeException e) {
            metrics.reloadFailed();
            LOG.error("policy reload failed, keeping the running policy: {}", e.toString());
            return false;
        }
    }

    @Override
    public void close() {
        if (metricsServer != null) metricsServer.close();
        milter.close();
        if (smtp != null) smtp.close();
        pipeline.policy().close();
    }
}
