// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.LocalPorts;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpSink;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * onRelay choosing a real Postfix as the next hop: the listener's {@code downstream} is a port
 * where nothing listens, so a message only gets through if the rule's {@code relayPort} was
 * used. Without XCLIENT the proxy speaks for itself, and Postfix's Received header shows the
 * rule's {@code HELOname}. The refusal paths (reject at onRelay, forceTLS, certificate checks)
 * are covered against fakes by RelayTest in mailgate-smtp.
 */
class ProxyRelayIT {
    static final Duration WAIT = Duration.ofSeconds(20);

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static int proxyPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        dir = Files.createTempDirectory("mailgate-proxy-relay-it", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx")).relayPort(sink.port()).start();
        int nothing = LocalPorts.freePort();
        String policy = """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d   # nothing listens there
                    xclient: false
                    hostname: proxy.test.invalid
                    downstreamTimeout: 10s
                rules:
                  onRelay:
                    - if: remoteSmtpIp == "127.0.0.1"
                      then:
                        - set: { relayHost: "[127.0.0.1]" }
                        - set: { relayPort: %d }
                        - set: { HELOname: "relay-${smtpPort}.test.invalid" }
                """.formatted(nothing, postfix.smtpPort());
        gateway = Gateway.start(() -> TestPolicies.parse("proxy-relay-it.yaml", policy));
        proxyPort = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (postfix != null) postfix.close();
        if (sink != null) sink.close();
    }

    @Test
    void theMessageTakesTheNextHopOnRelayChoseAndPostfixSeesItsHeloName() {
        String msg = "From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: routed\r\nMessage-Id: <" + System.nanoTime()
                + "@test.invalid>\r\n\r\nbody\r\n";
        try (SmtpClient c = new SmtpClient(WAIT)) {
            assertThat(c.connect("127.0.0.1", proxyPort).code()).isEqualTo(220);
            c.ehlo("client.test.invalid");
            var t = c.send("a@test.invalid", List.of("b@example.invalid"), msg);
            assertThat(t.data().lastLine()).contains("queued as"); // Postfix's reply, relayed
            c.quit();
        }
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("Subject")).isEqualTo("routed");
        assertThat(m.headers("Received").get(0)).contains("from relay-" + proxyPort + ".test.invalid (localhost [127.0.0.1])");
    }
}
