// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpSink;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HAProxy PROXY protocol v1 in front of the SMTP proxy, end to end: a client (as a load balancer
 * would) sends {@code PROXY TCP4 192.0.2.25 ...}; the policy sees that address as remoteSmtpIp, the
 * header it adds reaches the sink, and XCLIENT hands the same address to a real Postfix (which
 * names it in its Received header). A client without the header never gets a greeting.
 */
class ProxyProtocolIT {
    static final Duration WAIT = Duration.ofSeconds(20);

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static int proxyPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        dir = Files.createTempDirectory("mailgate-proxyproto-it",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                // XCLIENT makes Postfix judge the balancer's client: it may relay (TEST-NET-1 only)
                .setting("mynetworks", "127.0.0.0/8, 192.0.2.0/24")
                .start();
        String policy = """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 10s
                    proxyProtocol: true
                rules:
                  onConnect:
                    - if: remoteSmtpIp == "127.0.0.1"
                      then: { reject: "554 5.7.1 the balancer's own address must never reach the policy" }
                  onDataReceived:
                    - then:
                        - addHeader: "X-Client: ${remoteSmtpIp}"
                """.formatted(postfix.smtpPort());
        gateway = Gateway.start(() -> TestPolicies.parse("proxy-protocol-it.yaml", policy));
        proxyPort = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (postfix != null) postfix.close();
        if (sink != null) sink.close();
    }

    @Test
    void v1HeaderAddressIsTheClientForThePolicyAndForPostfix() throws Exception {
        try (RawClient c = new RawClient(proxyPort)) {
            c.write("PROXY TCP4 192.0.2.25 127.0.0.1 43210 25\r\n");
            assertThat(c.reply().get(0)).startsWith("220 proxy.test.invalid");
            assertThat(c.command("EHLO balanced.test.invalid")).last().asString().startsWith("250 ");
            assertThat(c.command("MAIL FROM:<a@test.invalid>").get(0)).startsWith("250");
            assertThat(c.command("RCPT TO:<b@example.invalid>").get(0)).startsWith("250");
            assertThat(c.command("DATA").get(0)).startsWith("354");
            List<String> done = c.command("From: <a@test.invalid>\r\nSubject: via haproxy\r\n\r\nbody\r\n.");
            assertThat(done.get(0)).startsWith("250").contains("queued as");
            c.command("QUIT");
        }
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("X-Client")).isEqualTo("192.0.2.25");
        assertThat(m.headers("Received").get(0)).contains("from balanced.test.invalid (unknown [192.0.2.25])");
    }

    @Test
    void aClientWithoutTheHeaderIsClosedUngreeted() throws Exception {
        try (RawClient c = new RawClient(proxyPort)) {
            c.write("EHLO direct.test.invalid\r\n");
            assertThat(c.in.readLine()).isNull();
        }
    }

    /** A socket client: the testkit's SmtpClient reads the greeting first, before any PROXY header could go out. */
    static final class RawClient implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        RawClient(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout((int) WAIT.toMillis());
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out = socket.getOutputStream();
        }

        void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
        }

        List<String> reply() throws IOException {
            List<String> lines = new ArrayList<>();
            String l;
            do {
                l = in.readLine();
                if (l == null) break;
                lines.add(l);
            } while (l.length() > 3 && l.charAt(3) == '-');
            return lines;
        }

        List<String> command(String line) throws IOException {
            write(line + "\r\n");
            return reply();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
