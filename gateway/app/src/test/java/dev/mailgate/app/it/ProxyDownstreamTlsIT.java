// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpSink;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * STARTTLS from the proxy to a real Postfix that offers it (its own tlsmgr, a certificate made by
 * the test): with {@code downstreamTls: require} and the certificate checked against a CA file,
 * the message crosses the downstream link encrypted (Postfix says so in its log and Received
 * header); against a CA that did not sign Postfix's certificate, the client is turned away with
 * 421 before anything is accepted.
 */
class ProxyDownstreamTlsIT {
    static final Duration WAIT = Duration.ofSeconds(20);

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Path postfixCert;
    static Path otherCa;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        dir = Files.createTempDirectory("mailgate-proxy-downstream-tls-it",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        postfixCert = dir.resolve("postfix.crt");
        Path key = dir.resolve("postfix.key");
        ProxyTlsIT.selfSigned(postfixCert, key);
        otherCa = dir.resolve("other.crt");
        ProxyTlsIT.selfSigned(otherCa, dir.resolve("other.key"));
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                .tls(postfixCert, key)
                .start();
    }

    @AfterAll
    static void stop() {
        if (postfix != null) postfix.close();
        if (sink != null) sink.close();
    }

    private static Gateway proxy(Path caFile) throws Exception {
        String policy = """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 10s
                    downstreamTls: require
                    downstreamVerifyCert: true
                    downstreamCaFile: %s
                """.formatted(postfix.smtpPort(), caFile);
        return Gateway.start(() -> TestPolicies.parse("proxy-downstream-tls-it.yaml", policy));
    }

    private static int port(Gateway g) {
        return ((InetSocketAddress) g.boundAddresses().get(0)).getPort();
    }

    @Test
    void theMessageCrossesTheDownstreamLinkEncryptedToAVerifiedPostfix() throws Exception {
        sink.clear();
        try (Gateway g = proxy(postfixCert)) {
            try (SmtpClient c = new SmtpClient(WAIT)) {
                assertThat(c.connect("127.0.0.1", port(g)).code()).isEqualTo(220);
                c.ehlo("client.test.invalid");
                var t = c.send("a@test.invalid", java.util.List.of("b@example.invalid"),
                        "From: <a@test.invalid>\r\nSubject: tls downstream\r\nMessage-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\nover tls\r\n");
                assertThat(t.accepted()).as(c.transcript().toString()).isTrue();
                c.quit();
            }
        }
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        // Postfix's own Received header: the proxy's connection was TLS, and XCLIENT named the client
        assertThat(m.headers("Received").get(0)).contains("(using TLSv1").contains("from client.test.invalid");
        assertThat(postfix.awaitMaillog("TLS connection established from", WAIT)).contains("127.0.0.1");
    }

    @Test
    void aCertificateTheCaFileDidNotSignTurnsTheClientAwayBeforeAnythingIsAccepted() throws Exception {
        sink.clear();
        try (Gateway g = proxy(otherCa)) {
            try (SmtpClient c = new SmtpClient(WAIT)) {
                // the proxy greets only once the downstream link is up, verified
                assertThat(c.connect("127.0.0.1", port(g)).code()).isEqualTo(421);
            }
        }
        Thread.sleep(500);
        assertThat(sink.messages()).isEmpty();
    }
}
