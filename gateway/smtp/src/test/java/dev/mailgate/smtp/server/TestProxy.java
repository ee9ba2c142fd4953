// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.Session;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A proxy on a loopback port from a policy's text, recording its sessions. */
final class TestProxy implements AutoCloseable {
    final List<Session> sessions = new CopyOnWriteArrayList<>();
    private final SmtpProxyServer server;
    final int port;

    private TestProxy(String policyText) throws Exception {
        Policy p = parse(policyText);
        Pipeline pipeline = new Pipeline(p);
        pipeline.observeSessions(sessions::add);
        server = new SmtpProxyServer(pipeline, 1);
        port = ((InetSocketAddress) server.bind(p.listeners().get(0))).getPort();
    }

    static Policy parse(String policyText) {
        return new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC()).parse("proxy.yaml", policyText);
    }

    /**
     * A proxy whose one listener relays to {@code downstreamPort} with a 5 s downstream timeout;
     * {@code listenerExtra} are more listener settings (indented by 4), {@code rest} the policy's
     * other sections.
     */
    static TestProxy start(int downstreamPort, String listenerExtra, String rest) throws Exception {
        return new TestProxy("""
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 5s
                """.formatted(downstreamPort) + listenerExtra + rest);
    }

    TestClient client() throws java.io.IOException {
        return new TestClient(port);
    }

    @Override
    public void close() {
        server.close();
    }
}
