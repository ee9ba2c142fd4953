// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.state.KeyValueStore;
import dev.mailgate.state.StoreHealth;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpResponse;
import dev.mailgate.testkit.mta.SmtpSink;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two gateway nodes, each behind its own real Postfix, sharing a real redis-server: greylisting
 * triplets, rate counters and bans seen on one node hold on the other; with Redis stopped mail
 * keeps flowing on node-local state, and when Redis is back the nodes share again.
 *
 * <p>Time is one clock the test moves (greylisting delays, windows and bans follow it, so the test
 * never waits minutes); each node reads it through its own {@link InstantSource}, which also gives
 * each node its own local memory, as separate processes would have.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StateRedisIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
            services:
              store: { type: redis, uri: "%s", timeout: 500ms, retry: 2s, fallback: local }
            filters:
              - autoban: { strikes: [RATELIMIT_EXCEEDED], maxStrikes: 2, window: 10m, banFor: 30m }
              - ratelimit: { per: [sender], limit: 3, window: 1h }
              - greylist: { delay: 5m, autoWhitelist: 0 }
            """;

    /** One gateway and the Postfix in front of it. */
    record Node(String name, Gateway gateway, PostfixInstance postfix) {
        KeyValueStore store() {
            return gateway.pipeline().policy().services().service(KeyValueStore.class);
        }
    }

    static final AtomicReference<Instant> NOW = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
    static Path dir;
    static StateRedisServer redis;
    static SmtpSink sink;
    static Node a;
    static Node b;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(StateRedisServer.isAvailable(), "redis-server is not installed (run .ci/deps/redis.sh)");
        // postfix's own processes must be able to reach their data directories inside it
        dir = Files.createTempDirectory("mailgate-state-it", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        redis = new StateRedisServer(dir.resolve("redis")).start();
        sink = SmtpSink.start();
        a = node("a");
        b = node("b");
    }

    private static Node node(String name) throws Exception {
        InstantSource clock = NOW::get; // a clock of its own: its own local memory, like another process
        PolicyLoader loader = new PolicyLoader(FilterRegistry.discover(), clock);
        Gateway g = Gateway.start(() -> loader.parse("node-" + name + ".yaml", POLICY.formatted(redis.uri())));
        int port = ((InetSocketAddress) g.boundAddresses().get(0)).getPort();
        PostfixInstance p = PostfixInstance.builder(dir.resolve("postfix-" + name))
                .relayPort(sink.port())
                .milters("inet:127.0.0.1:" + port)
                .milterDefaultAction("tempfail")
                .start();
        return new Node(name, g, p);
    }

    @AfterAll
    static void stop() {
        for (Node n : new Node[] {a, b}) {
            if (n == null) continue;
            n.postfix().close();
            n.gateway().close();
        }
        if (sink != null) sink.close();
        if (redis != null) redis.close();
    }

    @BeforeEach
    void moveBeyondEveryWindowAndBan() {
        sink.clear();
        advance(Duration.ofHours(2)); // past every window and ban of the previous test
    }

    static void advance(Duration d) {
        NOW.set(NOW.get().plus(d));
    }

    private static SmtpTransaction send(Node via, String from, String to) {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", via.postfix().smtpPort());
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send(from, List.of(to), "From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: via " + via.name()
                    + "\r\nMessage-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\nhello\r\n");
            c.quit();
            return t;
        }
    }

    /**
     * A strike is counted when the MTA ends the transaction (ABORT / QUIT reach the gateway's
     * onReset), which Postfix does only after it answered the client's QUIT: give that a moment
     * before the next connection asks whether the client is banned.
     */
    private static void afterSessionEnd() {
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void assertGreylisted(SmtpTransaction t, String why) {
        assertThat(t.mail().code()).isEqualTo(250);
        SmtpResponse rcpt = t.recipient(0);
        assertThat(rcpt.code()).isEqualTo(451);
        assertThat(rcpt.lastLine()).contains("4.7.1 Greylisted: " + why);
        assertThat(t.data()).isNull();
    }

    private static ReceivedMessage assertDelivered(SmtpTransaction t) {
        assertThat(t.recipient(0).code()).as(t.toString()).isEqualTo(250);
        assertThat(t.data().code()).isEqualTo(250);
        return sink.awaitMessages(1, WAIT).get(0);
    }

    @Test
    @Order(1)
    void aTripletGreylistedThroughNodeAPassesThroughNodeBAfterTheDelay() {
        assertGreylisted(send(a, "alice@src.test", "bob@example.invalid"), "first delivery attempt");
        advance(Duration.ofMinutes(4));
        assertGreylisted(send(b, "alice@src.test", "bob@example.invalid"), "retried too early");
        advance(Duration.ofMinutes(1));
        ReceivedMessage m = assertDelivered(send(b, "alice@src.test", "bob@example.invalid"));
        assertThat(m.header("Subject")).isEqualTo("via b");
        assertThat(m.recipients()).containsExactly("bob@example.invalid");
    }

    @Test
    @Order(2)
    void aRateLimitCountsAcrossBothNodes() {
        // the limit is 3 messages per hour per sender, counted at MAIL FROM (greylisting comes after)
        assertThat(send(a, "counted@src.test", "x@example.invalid").mail().code()).isEqualTo(250);
        assertThat(send(b, "counted@src.test", "x@example.invalid").mail().code()).isEqualTo(250);
        assertThat(send(a, "counted@src.test", "x@example.invalid").mail().code()).isEqualTo(250);
        SmtpResponse fourth = send(b, "counted@src.test", "x@example.invalid").mail();
        assertThat(fourth.code()).isEqualTo(451);
        assertThat(fourth.lastLine()).contains("4.7.1 Rate limit exceeded: more than 3 messages per 1h for this sender");
        assertThat(send(a, "other@src.test", "x@example.invalid").mail().code()).as("another sender").isEqualTo(250);
    }

    @Test
    @Order(3)
    void aBanEarnedOnBothNodesHoldsOnBoth() {
        for (int i = 0; i < 3; i++) assertThat(send(i % 2 == 0 ? a : b, "flood@src.test", "x@example.invalid").mail().code()).isEqualTo(250);
        assertThat(send(a, "flood@src.test", "x@example.invalid").mail().code()).as("strike 1, on a").isEqualTo(451);
        afterSessionEnd();
        assertThat(send(b, "flood@src.test", "x@example.invalid").mail().code()).as("strike 2, on b: banned").isEqualTo(451);
        afterSessionEnd();
        for (Node n : new Node[] {a, b}) {
            SmtpResponse mail = send(n, "innocent@src.test", "x@example.invalid").mail();
            assertThat(mail.code()).as("the client is banned on " + n.name()).isEqualTo(451);
            assertThat(mail.lastLine()).contains("4.7.1 Too many refused attempts from your address; banned for 30 more minutes");
        }
        advance(Duration.ofMinutes(30));
        assertThat(send(b, "innocent@src.test", "x@example.invalid").mail().code()).as("the ban is over").isEqualTo(250);
    }

    @Test
    @Order(4)
    void withRedisStoppedMailKeepsFlowingOnEachNodesOwnState() {
        redis.stop();
        assertGreylisted(send(a, "outage@src.test", "bob@example.invalid"), "first delivery attempt");
        advance(Duration.ofMinutes(5));
        assertGreylisted(send(b, "outage@src.test", "bob@example.invalid"), "first delivery attempt"); // b never heard of it
        ReceivedMessage m = assertDelivered(send(a, "outage@src.test", "bob@example.invalid"));
        assertThat(m.header("Subject")).isEqualTo("via a");
        StoreHealth health = a.store().health();
        assertThat(health.shared()).isFalse();
        assertThat(health.fallbacks()).isPositive();
        assertThat(health.failures()).as("Redis is left alone between retries").isLessThan(health.fallbacks());
    }

    @Test
    @Order(5)
    void whenRedisIsBackTheNodesShareAgain() throws Exception {
        redis.start(); // empty, as a restarted Redis without persistence is
        for (Node n : new Node[] {a, b}) awaitShared(n);
        assertGreylisted(send(a, "back@src.test", "bob@example.invalid"), "first delivery attempt");
        advance(Duration.ofMinutes(5));
        ReceivedMessage m = assertDelivered(send(b, "back@src.test", "bob@example.invalid"));
        assertThat(m.header("Subject")).isEqualTo("via b");
    }

    /** Lettuce reconnects in the background; the store tries Redis again once its retry interval passed. */
    private static void awaitShared(Node n) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            advance(Duration.ofSeconds(3));
            KeyValueStore.await(n.store().get("probe"));
            if (n.store().health().shared()) return;
            Thread.sleep(200);
        }
        throw new AssertionError("node " + n.name() + " did not reach Redis again: " + n.store().health());
    }
}
