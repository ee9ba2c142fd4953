// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import static dev.mailgate.app.metrics.Scrapes.scrape;
import static dev.mailgate.app.metrics.Scrapes.value;
import static dev.mailgate.milter.codec.MilterConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.core.policy.Policy;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.DnsType;
import dev.mailgate.milter.client.BlockingMilterClient;
import dev.mailgate.milter.client.MilterClient;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The metrics listener of a wired gateway, driven over real sockets, and what a reload does to it. */
class GatewayMetricsTest {
    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
              - metrics: inet:127.0.0.1:0
            services:
              dns: { servers: ["127.0.0.1:9"], timeout: 200ms, retries: 0 }
            filters:
              - limits: { name: %s, maxRcptCount: 5 }
            rules:
              onRcptTo:
                - if: rcptTo == "nobody@example.test"
                  then: { reject: "550 5.1.1 no such user" }
              onDataReceived:
                - if: subject == "spam"
                  then: { reject: "550 5.7.1 spam" }
            """;

    private Gateway gateway;
    private final AtomicReference<String> policyText = new AtomicReference<>(POLICY.formatted("limits"));

    private Policy load() {
        return Policies.loader().parse("metrics-test.yaml", policyText.get());
    }

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
    }

    private String milter() {
        return "inet:127.0.0.1:" + ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
    }

    private InetSocketAddress metrics() {
        return gateway.metricsAddress().orElseThrow();
    }

    /** One session of one message; {@code rcpts} are each answered, the message too unless all were refused. */
    private void send(String subject, String... rcpts) throws Exception {
        try (BlockingMilterClient c = MilterClient.open(milter()).blocking()) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            c.connect("client.test", SMFIA_INET, 40000, "192.0.2.7");
            c.helo("client.test");
            c.mail("<a@example.test>");
            for (String r : rcpts) c.rcpt("<" + r + ">");
            c.macro('T', Map.of("i", "Q1"));
            c.data();
            c.header("Subject", " " + subject);
            c.endOfHeaders();
            c.endOfMessage();
            c.quit();
        }
    }

    private static void awaitSessionsClosed(InetSocketAddress a, long expected) throws Exception {
        for (int i = 0; i < 100; i++) {
            if (value(scrape(a), "mailgate_sessions_closed_total{frontend=\"milter\"}") == expected) return;
            Thread.sleep(50);
        }
        throw new AssertionError("sessions did not close");
    }

    @Test
    void countsWhatTheMilterSessionsDid() throws Exception {
        gateway = Gateway.start(this::load);
        send("hello", "a@example.test", "nobody@example.test");
        send("spam", "a@example.test");
        awaitSessionsClosed(metrics(), 2);

        String s = scrape(metrics());
        assertThat(value(s, "mailgate_messages_total{frontend=\"milter\",verdict=\"accept\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_messages_total{frontend=\"milter\",verdict=\"reject\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_stage_verdicts_total{frontend=\"milter\",event=\"onRcptTo\",verdict=\"reject\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_sessions_opened_total{frontend=\"milter\"}")).isEqualTo(2);
        assertThat(value(s, "mailgate_sessions_open{frontend=\"milter\"}")).isEqualTo(0);
        // with maxRcptCount only, limits acts at onConnect and onRcptTo: 1 + 2, then 1 + 1
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"limits\",outcome=\"ok\"}")).isEqualTo(5);
        assertThat(value(s, "mailgate_filter_duration_seconds_count{filter=\"limits\"}")).isEqualTo(5);
        assertThat(value(s, "mailgate_policy_info{source=\"metrics-test.yaml\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_policy_reloads_total{result=\"ok\"}")).isZero();
        assertThat(value(s, "mailgate_jvm_heap_used_bytes")).isPositive();
        assertThat(value(s, "mailgate_jvm_threads")).isPositive();
        assertThat(value(s, "mailgate_process_start_time_seconds")).isGreaterThan(1.7e9);
        assertThat(value(s, "mailgate_dns_lookups_total")).isZero();
        assertThat(s).contains("# TYPE mailgate_filter_duration_seconds histogram", "# TYPE mailgate_sessions_open gauge");
    }

    @Test
    void aReloadKeepsTheEndpointAndTheCounters() throws Exception {
        gateway = Gateway.start(this::load);
        InetSocketAddress before = metrics();
        send("hello", "a@example.test");
        DnsResolver firstResolver = gateway.pipeline().policy().services().existing(DnsResolver.class).orElseThrow();
        firstResolver.lookup("a.example.test", DnsType.A).handle((a, e) -> null).get();
        awaitSessionsClosed(before, 1);
        String s1 = scrape(before);
        assertThat(value(s1, "mailgate_dns_lookups_total")).isEqualTo(1);

        policyText.set(POLICY.formatted("limits").replace("metrics-test", "x") + "scores: { X: 1 }\n");
        assertThat(gateway.reload()).isTrue();
        assertThat(metrics()).isEqualTo(before);
        String s2 = scrape(before);
        assertThat(value(s2, "mailgate_messages_total{frontend=\"milter\",verdict=\"accept\"}")).as("not reset").isEqualTo(1);
        assertThat(value(s2, "mailgate_filter_calls_total{filter=\"limits\",outcome=\"ok\"}"))
                .isEqualTo(value(s1, "mailgate_filter_calls_total{filter=\"limits\",outcome=\"ok\"}"));
        assertThat(value(s2, "mailgate_policy_reloads_total{result=\"ok\"}")).isEqualTo(1);

        // the new policy's own resolver counts on top of the old one's
        DnsResolver second = gateway.pipeline().policy().services().existing(DnsResolver.class).orElseThrow();
        assertThat(second).isNotSameAs(firstResolver);
        second.lookup("b.example.test", DnsType.A).handle((a, e) -> null).get();
        assertThat(value(scrape(before), "mailgate_dns_lookups_total")).isEqualTo(2);

        send("hello", "a@example.test");
        awaitSessionsClosed(before, 2);
        String s3 = scrape(before);
        assertThat(value(s3, "mailgate_messages_total{frontend=\"milter\",verdict=\"accept\"}")).isEqualTo(2);
        assertThat(value(s3, "mailgate_filter_calls_total{filter=\"limits\",outcome=\"ok\"}"))
                .isEqualTo(value(s1, "mailgate_filter_calls_total{filter=\"limits\",outcome=\"ok\"}") + 2);

        // a broken policy: counted, and nothing else moves
        policyText.set("filters: [ {");
        assertThat(gateway.reload()).isFalse();
        String s4 = scrape(before);
        assertThat(value(s4, "mailgate_policy_reloads_total{result=\"failed\"}")).isEqualTo(1);
        assertThat(value(s4, "mailgate_messages_total{frontend=\"milter\",verdict=\"accept\"}")).isEqualTo(2);
    }

    @Test
    void aReloadedFilterNameStartsItsOwnSeriesAndTheOldOneStays() throws Exception {
        gateway = Gateway.start(this::load);
        send("hello", "a@example.test");
        awaitSessionsClosed(metrics(), 1);
        policyText.set(POLICY.formatted("limits-2"));
        assertThat(gateway.reload()).isTrue();
        send("hello", "a@example.test");
        awaitSessionsClosed(metrics(), 2);
        String s = scrape(metrics());
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"limits\",outcome=\"ok\"}")).isEqualTo(2);
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"limits-2\",outcome=\"ok\"}")).isEqualTo(2);
    }

    @Test
    void withoutAMetricsListenerNothingIsServedButTheMilterStillListens() throws Exception {
        policyText.set(POLICY.formatted("limits").replace("  - metrics: inet:127.0.0.1:0\n", ""));
        gateway = Gateway.start(this::load);
        assertThat(gateway.metricsAddress()).isEmpty();
        assertThat(gateway.boundAddresses()).hasSize(1);
    }
}
