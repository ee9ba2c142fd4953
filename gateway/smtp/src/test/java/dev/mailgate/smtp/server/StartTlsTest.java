// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.StandardVars;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.ListenAddress;
import dev.mailgate.core.policy.ListenerConfig;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.Session;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * STARTTLS on the client side of the proxy, over loopback against a {@link FakeDownstream}: when
 * it is offered, the handshake, the return to the state before EHLO, the TLS variables seen by
 * onEhlo, and that bytes pipelined behind STARTTLS are never executed (RFC 3207 section 6).
 */
class StartTlsTest {
    @TempDir
    Path dir;
    FakeDownstream downstream;
    SmtpProxyServer server;
    final List<Session> sessions = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        downstream = new FakeDownstream();
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) server.close();
        downstream.close();
    }

    private Policy policy(String listener) {
        return new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC()).parse("tls.yaml", "listen:\n" + listener);
    }

    /** Starts the proxy with the listener settings in {@code extra} and returns its port. */
    private int proxy(String extra) throws Exception {
        Policy p = policy("""
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 5s
                """.formatted(downstream.port()) + extra);
        Pipeline pipeline = new Pipeline(p);
        pipeline.observeSessions(sessions::add);
        server = new SmtpProxyServer(pipeline, 1);
        ListenerConfig l = p.listeners().get(0);
        return ((InetSocketAddress) server.bind(l)).getPort();
    }

    private String tlsSettings(TestCertificate c) {
        return "    tlsCertificate: " + c.certFile() + "\n    tlsKey: " + c.keyFile() + "\n";
    }

    @Test
    void withoutCertificateStartTlsIsNeitherOfferedNorAccepted() throws Exception {
        int port = proxy("");
        try (TestClient c = new TestClient(port)) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("EHLO client.test")).noneMatch(l -> l.contains("STARTTLS"));
            assertThat(c.command("STARTTLS")).containsExactly("502 5.5.1 Error: command not implemented");
            assertThat(c.command("NOOP")).containsExactly("250 2.0.0 Ok"); // still in plain text
        }
    }

    @Test
    void startTlsWithPkcs1RsaKeyRestartsTheSessionAndSetsTheTlsVariables() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "RSA", false);
        assertThat(Files.readString(cert.keyFile())).contains("BEGIN RSA PRIVATE KEY");
        int port = proxy(tlsSettings(cert));
        try (TestClient c = new TestClient(port)) {
            c.reply();
            assertThat(c.command("STARTTLS")).containsExactly("503 5.5.1 Error: send EHLO first");
            assertThat(c.command("EHLO client.test")).contains("250-STARTTLS");
            assertThat(sessions.get(0).get(StandardVars.IS_SSL_CONNECTION)).isFalse();
            assertThat(c.command("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
            c.startTls(cert);
            // back before EHLO: MAIL needs a new greeting
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("503 5.5.1 Error: send HELO/EHLO first");
            List<String> ehlo = c.command("EHLO client.test");
            assertThat(ehlo).contains("250-PIPELINING").noneMatch(l -> l.contains("STARTTLS"));
            assertThat(sessions.get(0).get(StandardVars.IS_SSL_CONNECTION)).isTrue();
            assertThat(sessions.get(0).get(StandardVars.TLS_VERSION)).isEqualTo(c.tlsProtocol()).startsWith("TLSv1.");
            assertThat(c.command("STARTTLS")).containsExactly("554 5.5.1 Error: TLS already active");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("250 ok"); // the downstream's reply, through TLS
        }
    }

    @Test
    void startTlsWithPkcs8EcKey() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "EC", true);
        assertThat(Files.readString(cert.keyFile())).contains("BEGIN PRIVATE KEY");
        int port = proxy(tlsSettings(cert));
        try (TestClient c = new TestClient(port)) {
            c.reply();
            c.command("EHLO client.test");
            assertThat(c.command("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
            c.startTls(cert);
            assertThat(c.command("EHLO client.test")).contains("250 ENHANCEDSTATUSCODES");
        }
    }

    @Test
    void commandsPipelinedBehindStartTlsAreDiscarded() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "RSA", true);
        int port = proxy(tlsSettings(cert));
        try (TestClient c = new TestClient(port)) {
            c.reply();
            c.command("EHLO client.test");
            // the injection: plain-text commands in the same packet as STARTTLS
            c.write("STARTTLS\r\nEHLO evil.test\r\nMAIL FROM:<evil@test.invalid>\r\nRCPT TO:<victim@test.invalid>\r\n");
            assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
            c.startTls(cert);
            // had the injected commands run, this would be 503 (nested MAIL) or the EHLO reply would come late
            assertThat(c.command("MAIL FROM:<good@test.invalid>")).containsExactly("503 5.5.1 Error: send HELO/EHLO first");
            assertThat(c.command("EHLO client.test")).contains("250 ENHANCEDSTATUSCODES");
            assertThat(c.command("MAIL FROM:<good@test.invalid>")).containsExactly("250 ok");
        }
        assertThat(downstream.lines).noneMatch(l -> l.contains("evil")).noneMatch(l -> l.contains("victim"));
    }

    @Test
    void aPlainTextClientAfterStartTlsIsDropped() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "RSA", true);
        int port = proxy(tlsSettings(cert));
        try (TestClient c = new TestClient(port)) {
            c.reply();
            c.command("EHLO client.test");
            assertThat(c.command("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
            c.write("MAIL FROM:<evil@test.invalid>\r\n"); // not a TLS record: the handshake fails
            assertThat(c.in.readLine()).isNull();
        }
        assertThat(downstream.lines).noneMatch(l -> l.contains("evil"));
    }

    @Test
    void aMissingOrBrokenCertificateIsAPolicyErrorWithItsPosition() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "RSA", false);
        String base = "  - smtp: inet:127.0.0.1:0\n    downstream: inet:127.0.0.1:25\n";
        assertThatThrownBy(() -> policy(base + "    tlsCertificate: " + dir.resolve("nope.pem") + "\n    tlsKey: " + cert.keyFile() + "\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("tls.yaml:4:21").hasMessageContaining("cannot be read");
        Path junk = Files.writeString(dir.resolve("junk.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> policy(base + "    tlsCertificate: " + junk + "\n    tlsKey: " + cert.keyFile() + "\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("tls.yaml:4:").hasMessageContaining("invalid certificate");
        assertThatThrownBy(() -> policy(base + "    tlsCertificate: " + cert.certFile() + "\n    tlsKey: " + cert.certFile() + "\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("tls.yaml:5:13").hasMessageContaining("no PEM private key");
        assertThatThrownBy(() -> policy(base + "    tlsCertificate: " + cert.certFile() + "\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("both 'tlsCertificate' and 'tlsKey'");
    }

    @Test
    void downstreamWithoutWorkingStartTlsFailsTheSessionWhenRequired() throws Exception {
        // the fake lists STARTTLS but answers it with 250: no TLS is possible
        int port = proxy("    downstreamTls: require\n");
        try (TestClient c = new TestClient(port)) {
            assertThat(c.reply()).startsWith("421 4.4.2 proxy.test.invalid Error: downstream MTA not available");
        }
    }

    @Test
    void downstreamWithoutWorkingStartTlsGetsPlainTextWhenMay() throws Exception {
        int port = proxy("    downstreamTls: may\n");
        try (TestClient c = new TestClient(port)) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("EHLO client.test")).contains("250 ENHANCEDSTATUSCODES");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("250 ok");
        }
        assertThat(downstream.lines).startsWith("EHLO proxy.test.invalid", "STARTTLS");
    }

    @Test
    void startTlsToTheDownstreamBeforeXclientAndEverythingElse() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "EC", false);
        downstream.close();
        downstream = new FakeDownstream(cert.serverContext());
        int port = proxy("    downstreamTls: require\n");
        try (TestClient c = new TestClient(port)) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("EHLO client.test")).contains("250 ENHANCEDSTATUSCODES");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("250 ok");
        }
        assertThat(downstream.lines.subList(0, 4)).containsExactly("EHLO proxy.test.invalid", "STARTTLS", "[TLS]",
                downstream.lines.get(3));
        assertThat(downstream.lines.get(3)).startsWith("XCLIENT ADDR=127.0.0.1");
        assertThat(downstream.lines).contains("EHLO client.test", "MAIL FROM:<a@test.invalid>");
    }

    @Test
    void aBadDownstreamTlsValueIsAPolicyError() {
        assertThatThrownBy(() -> policy("  - smtp: inet:127.0.0.1:0\n    downstream: inet:127.0.0.1:25\n    downstreamTls: sometimes\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("tls.yaml:4:20").hasMessageContaining("none, may or require");
    }
}
