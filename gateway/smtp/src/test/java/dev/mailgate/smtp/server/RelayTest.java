// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.StandardVars;
import dev.mailgate.core.policy.PolicyException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * onRelay over loopback against {@link FakeDownstream}s: the policy's choice of next hop and
 * HELO name, refusals before the downstream connection, forceTLS, and the certificate checks
 * (verifyCert against a test CA, checkCertName) that onRelay or the listener ask for.
 */
class RelayTest {
    @TempDir
    Path dir;
    final List<AutoCloseable> open = new java.util.ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : open.reversed()) c.close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private TestProxy proxy(FakeDownstream d, String listenerExtra, String rules) throws Exception {
        return keep(TestProxy.start(d.port(), listenerExtra, rules));
    }

    /** Greets, sends one message, and returns the reply to its final dot. */
    private static String sendOne(TestClient c) throws IOException {
        assertThat(c.reply()).startsWith("220 ");
        assertThat(c.command("EHLO client.test.invalid")).last().asString().startsWith("250 ");
        assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("250 ok");
        assertThat(c.command("RCPT TO:<b@test.invalid>")).containsExactly("250 ok");
        assertThat(c.command("DATA")).last().asString().startsWith("354");
        return c.command("Subject: hi\r\n\r\nhello\r\n.").get(0);
    }

    @Test
    void onRelayChoosesAnotherDownstreamAndTheHeloNameTheProxyUsesWithoutXclient() throws Exception {
        FakeDownstream first = keep(new FakeDownstream());
        FakeDownstream second = keep(new FakeDownstream());
        TestProxy p = proxy(first, "    xclient: false\n", """
                rules:
                  onRelay:
                    - if: remoteSmtpIp == "127.0.0.1" && relayPort == %d
                      then:
                        - set: { relayPort: %d }
                        - set: { HELOname: "relay.test.invalid" }
                """.formatted(first.port(), second.port()));
        try (TestClient c = p.client()) {
            assertThat(sendOne(c)).isEqualTo("250 ok: queued"); // the downstream's own reply to the final dot
        }
        assertThat(first.connections.get()).isZero();
        // without XCLIENT the downstream talks to the proxy, which names itself
        assertThat(second.lines).startsWith("EHLO relay.test.invalid", "MAIL FROM:<a@test.invalid>", "RCPT TO:<b@test.invalid>", "DATA");
        assertThat(p.sessions.get(0).get(StandardVars.RELAY_PORT)).isEqualTo((long) second.port());
    }

    @Test
    void aRejectOrTempRejectAtOnRelayRefusesTheClientBeforeAnyDownstreamConnection() throws Exception {
        FakeDownstream d = keep(new FakeDownstream());
        String[][] cases = {{"reject: \"550 5.7.1 no route for you\"", "554 5.7.1 no route for you"},
                            {"tempreject: \"451 4.3.2 no route today\"", "421 4.3.2 no route today"}};
        for (String[] c : cases) {
            TestProxy p = proxy(d, "", "rules:\n  onRelay:\n    - then: { " + c[0] + " }\n");
            try (TestClient client = p.client()) {
                // the greeting's codes, as at onConnect (RFC 5321 3.1)
                assertThat(client.reply()).isEqualTo(c[1]);
                assertThat(client.in.readLine()).isNull(); // closed
            }
        }
        assertThat(d.connections.get()).isZero();
    }

    @Test
    void anUnusableNextHopTellsTheClientToRetryAndConnectsNowhere() throws Exception {
        FakeDownstream d = keep(new FakeDownstream());
        TestProxy p = proxy(d, "", "rules:\n  onRelay:\n    - then: { set: { relayPort: 70000 } }\n");
        try (TestClient c = p.client()) {
            assertThat(c.reply()).isEqualTo("421 4.3.5 proxy.test.invalid Error: server configuration error");
        }
        assertThat(d.connections.get()).isZero();
    }

    @Test
    void forceTlsAgainstADownstreamWithoutStartTlsIs421AndNothingIsRelayed() throws Exception {
        FakeDownstream d = keep(new FakeDownstream(null, "8BITMIME"));
        // the listener asks for nothing: onRelay alone forces TLS
        TestProxy p = proxy(d, "", "rules:\n  onRelay:\n    - then: { set: { forceTLS: true } }\n");
        try (TestClient c = p.client()) {
            assertThat(c.reply()).startsWith("421 4.4.2 proxy.test.invalid Error: downstream MTA not available");
        }
        // the proxy says goodbye properly (QUIT follows our 421 on the wire); nothing of the client's reached it
        for (int i = 0; i < 250 && !d.lines.contains("QUIT"); i++) Thread.sleep(20);
        assertThat(d.lines).containsExactly("EHLO proxy.test.invalid", "QUIT");
    }

    @Test
    void tryTlsAgainstADownstreamWithoutStartTlsFallsBackToPlainText() throws Exception {
        FakeDownstream d = keep(new FakeDownstream(null, "8BITMIME"));
        TestProxy p = proxy(d, "", "rules:\n  onRelay:\n    - then: { set: { tryTLS: true } }\n");
        try (TestClient c = p.client()) {
            assertThat(sendOne(c)).isEqualTo("250 ok: queued"); // the downstream's own reply to the final dot
        }
        assertThat(d.lines.get(0)).isEqualTo("EHLO proxy.test.invalid");
        assertThat(d.lines).contains("MAIL FROM:<a@test.invalid>");
    }

    @Test
    void verifyCertAcceptsACertificateSignedByTheConfiguredCa() throws Exception {
        TestCertificate ca = TestCertificate.authority(dir, "Test CA");
        TestCertificate leaf = ca.issue(dir, "mx.test.invalid", List.of("mx.test.invalid"), List.of());
        FakeDownstream d = keep(new FakeDownstream(leaf.serverContext()));
        // the listener's defaults this time: require + verify, trusting the test CA only
        TestProxy p = proxy(d, "    downstreamTls: require\n    downstreamVerifyCert: true\n    downstreamCaFile: " + ca.certFile() + "\n", "");
        try (TestClient c = p.client()) {
            assertThat(sendOne(c)).isEqualTo("250 ok: queued"); // the downstream's own reply to the final dot
        }
        assertThat(d.lines.subList(0, 3)).containsExactly("EHLO proxy.test.invalid", "STARTTLS", "[TLS]");
        assertThat(d.lines).contains("MAIL FROM:<a@test.invalid>");
    }

    @Test
    void verifyCertRefusesASelfSignedCertificate() throws Exception {
        TestCertificate ca = TestCertificate.authority(dir, "Test CA");
        TestCertificate self = TestCertificate.create(dir, "RSA", true);
        FakeDownstream d = keep(new FakeDownstream(self.serverContext()));
        TestProxy p = proxy(d, "    downstreamCaFile: " + ca.certFile() + "\n",
                "rules:\n  onRelay:\n    - then:\n        - set: { tryTLS: true }\n        - set: { verifyCert: true }\n");
        try (TestClient c = p.client()) {
            // tryTLS alone would not insist on TLS, but a failed handshake leaves no connection to fall back on
            assertThat(c.reply()).startsWith("421 4.4.2 ");
        }
        assertThat(d.lines).containsExactly("EHLO proxy.test.invalid", "STARTTLS");
    }

    @Test
    void withoutVerifyCertTheSameSelfSignedCertificateIsUsed() throws Exception {
        TestCertificate self = TestCertificate.create(dir, "RSA", true);
        FakeDownstream d = keep(new FakeDownstream(self.serverContext()));
        TestProxy p = proxy(d, "", "rules:\n  onRelay:\n    - then: { set: { forceTLS: true } }\n");
        try (TestClient c = p.client()) {
            assertThat(sendOne(c)).isEqualTo("250 ok: queued"); // the downstream's own reply to the final dot
        }
        assertThat(d.lines).contains("[TLS]", "MAIL FROM:<a@test.invalid>");
    }

    @Test
    void checkCertNameRefusesACertificateForAnotherNameAndAcceptsTheNextHopsOwn() throws Exception {
        TestCertificate ca = TestCertificate.authority(dir, "Test CA");
        String rules = "rules:\n  onRelay:\n    - then:\n        - set: { forceTLS: true }\n        - set: { checkCertName: true }\n";
        String listener = "    downstreamCaFile: " + ca.certFile() + "\n";
        // signed by the trusted CA, but for another host: the chain verifies, the name does not
        TestCertificate other = ca.issue(dir, "other.test.invalid", List.of("other.test.invalid"), List.of());
        FakeDownstream wrong = keep(new FakeDownstream(other.serverContext()));
        try (TestClient c = proxy(wrong, listener, rules).client()) {
            assertThat(c.reply()).startsWith("421 4.4.2 ");
        }
        assertThat(wrong.lines).doesNotContain("[TLS]").noneMatch(l -> l.startsWith("MAIL"));
        // the next hop is 127.0.0.1: a certificate naming that address passes
        TestCertificate mine = ca.issue(dir, "loopback", List.of(), List.of("127.0.0.1"));
        FakeDownstream right = keep(new FakeDownstream(mine.serverContext()));
        try (TestClient c = proxy(right, listener, rules).client()) {
            assertThat(sendOne(c)).isEqualTo("250 ok: queued"); // the downstream's own reply to the final dot
        }
        assertThat(right.lines).contains("[TLS]", "MAIL FROM:<a@test.invalid>");
    }

    @Test
    void aHostNameIsResolvedOffTheEventLoopAndALiteralIsNotLookedUp() throws Exception {
        var literal = RelayConnect.resolve(new NextHop("192.0.2.7", 25, false, false, false, false, "h.test"), Duration.ofSeconds(5)).get();
        assertThat(literal.getAddress().getHostAddress()).isEqualTo("192.0.2.7");
        var named = RelayConnect.resolve(new NextHop("localhost", 25, false, false, false, false, "h.test"), Duration.ofSeconds(5)).get();
        assertThat(named.getAddress().isLoopbackAddress()).isTrue();
        var unknown = RelayConnect.resolve(new NextHop("no-such-host.invalid", 25, false, false, false, false, "h.test"), Duration.ofSeconds(10));
        assertThatThrownBy(unknown::get).hasMessageContaining("cannot resolve the next hop no-such-host.invalid");
    }

    @Test
    void unusableNextHopValuesNameTheirVariable() {
        assertThatThrownBy(() -> new NextHop("two words", 25, false, false, false, false, "h")).hasMessageContaining("relayHost 'two words'");
        assertThatThrownBy(() -> new NextHop("mx.test", 0, false, false, false, false, "h")).hasMessageContaining("relayPort 0");
        assertThatThrownBy(() -> new NextHop("mx.test", 25, false, false, false, false, "a b")).hasMessageContaining("HELOname 'a b'");
        assertThat(new NextHop("::1", 25, false, false, false, false, "h")).hasToString("[::1]:25");
    }

    @Test
    void listenerSettingsAreCheckedWhenThePolicyLoads() {
        String base = "listen:\n  - smtp: inet:127.0.0.1:0\n    downstream: inet:127.0.0.1:25\n";
        assertThatThrownBy(() -> TestProxy.parse(base + "    downstreamCaFile: " + dir.resolve("nope.pem") + "\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("proxy.yaml:4:23").hasMessageContaining("downstreamCaFile")
                .hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> TestProxy.parse(base + "    auth: sometimes\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("proxy.yaml:4:11").hasMessageContaining("refuse or passthrough");
        assertThatThrownBy(() -> TestProxy.parse(base + "    downstreamVerifyCert: maybe\n")).isInstanceOf(PolicyException.class);
    }
}
