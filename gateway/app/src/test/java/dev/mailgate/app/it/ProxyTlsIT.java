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
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * STARTTLS from client to proxy, end to end: a self-signed certificate made by the test (PEM,
 * PKCS#1 key), a client that greets, says STARTTLS, handshakes trusting only that certificate on
 * the same socket, greets again and sends a message through the proxy to a real Postfix
 * (XCLIENT authorised for loopback) and on to SmtpSink. The policy stamps the TLS variables it
 * saw into a header, so the test sees what the pipeline saw. {@code downstreamTls: may} is on
 * and this Postfix offers no STARTTLS (no certificate configured), so the proxy must fall back
 * to plain text towards it; STARTTLS to a Postfix that offers it is {@link ProxyDownstreamTlsIT}
 * (and {@code StartTlsTest} in mailgate-smtp).
 */
class ProxyTlsIT {
    static final Duration WAIT = Duration.ofSeconds(20);

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static int proxyPort;
    static X509Certificate certificate;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        dir = Files.createTempDirectory("mailgate-proxy-tls-it",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        certificate = selfSigned(cert, key);
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                .start();
        String policy = """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 10s
                    tlsCertificate: %s
                    tlsKey: %s
                    downstreamTls: may
                rules:
                  onDataReceived:
                    - then:
                        - addHeader: "X-TLS: ${isSSLConnection} ${tlsVersion}"
                """.formatted(postfix.smtpPort(), cert, key);
        gateway = Gateway.start(() -> TestPolicies.parse("proxy-tls-it.yaml", policy));
        proxyPort = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (postfix != null) postfix.close();
        if (sink != null) sink.close();
    }

    @BeforeEach
    void clean() {
        sink.clear();
    }

    /** A self-signed RSA certificate for localhost; the key is written in the PKCS#1 form openssl uses. */
    static X509Certificate selfSigned(Path certFile, Path keyFile) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        KeyPair pair = g.generateKeyPair();
        X500Name name = new X500Name("CN=localhost");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()),
                Date.from(now.minus(Duration.ofDays(1))), Date.from(now.plus(Duration.ofDays(2))), name, pair.getPublic());
        X509Certificate cert = new JcaX509CertificateConverter()
                .getCertificate(builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(pair.getPrivate())));
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, pem(pair.getPrivate()));
        return cert;
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    @Test
    void messageSentAfterStartTlsArrivesAndThePipelineSawTls() throws Exception {
        String tlsProtocol;
        try (Client c = new Client(proxyPort)) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("EHLO client.test.invalid")).contains("250-STARTTLS");
            assertThat(c.command("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
            tlsProtocol = c.startTls(certificate);
            assertThat(c.command("EHLO client.test.invalid")).noneMatch(l -> l.contains("STARTTLS")).contains("250 ENHANCEDSTATUSCODES");
            assertThat(c.command("MAIL FROM:<a@test.invalid>").get(0)).startsWith("250");
            assertThat(c.command("RCPT TO:<b@example.invalid>").get(0)).startsWith("250");
            assertThat(c.command("DATA").get(0)).startsWith("354");
            List<String> done = c.command("From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: over tls\r\n"
                    + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\nsecret body\r\n.");
            assertThat(done.get(0)).startsWith("250").contains("queued as");
            assertThat(c.command("QUIT").get(0)).startsWith("221");
        }
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("X-TLS")).isEqualTo("true " + tlsProtocol);
        assertThat(tlsProtocol).startsWith("TLSv1.");
        assertThat(m.text()).contains("secret body");
        // XCLIENT still told Postfix who the client was; "may" fell back to plain text, as this
        // Postfix offers no STARTTLS
        assertThat(m.headers("Received").get(0)).contains("from client.test.invalid (unknown [127.0.0.1])");
    }

    @Test
    void commandsInjectedBehindStartTlsNeverReachPostfix() throws Exception {
        try (Client c = new Client(proxyPort)) {
            c.reply();
            c.command("EHLO client.test.invalid");
            c.write("STARTTLS\r\nMAIL FROM:<evil@test.invalid>\r\nRCPT TO:<victim@example.invalid>\r\nDATA\r\n");
            assertThat(c.reply()).isEqualTo("220 2.0.0 Ready to start TLS");
            c.startTls(certificate);
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("503 5.5.1 Error: send HELO/EHLO first");
            c.command("QUIT");
        }
        Thread.sleep(300);
        assertThat(sink.messages()).isEmpty();
        assertThat(postfix.maillog()).doesNotContain("evil@test.invalid").doesNotContain("victim@example.invalid");
    }

    @Test
    void withoutStartTlsThePipelineSeesPlainText() throws Exception {
        try (Client c = new Client(proxyPort)) {
            c.reply();
            c.command("EHLO client.test.invalid");
            c.command("MAIL FROM:<a@test.invalid>");
            c.command("RCPT TO:<b@example.invalid>");
            c.command("DATA");
            assertThat(c.command("Subject: plain\r\n\r\nbody\r\n.").get(0)).startsWith("250");
            c.command("QUIT");
        }
        // tlsVersion is empty without TLS, hence nothing after "false"
        assertThat(sink.awaitMessages(1, WAIT).get(0).header("X-TLS").strip()).isEqualTo("false");
    }

    /** A line-oriented SMTP client that switches to TLS on the same socket. */
    private static final class Client implements AutoCloseable {
        private final Socket plain;
        private Socket socket;
        private BufferedReader in;
        private OutputStream out;

        Client(int port) throws IOException {
            plain = new Socket(InetAddress.getLoopbackAddress(), port);
            plain.setSoTimeout((int) WAIT.toMillis());
            use(plain);
        }

        private void use(Socket s) throws IOException {
            socket = s;
            in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            out = s.getOutputStream();
        }

        /** Handshakes trusting {@code trusted} alone; returns the negotiated protocol. */
        String startTls(X509Certificate trusted) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setCertificateEntry("proxy", trusted);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            SSLSocket tls = (SSLSocket) ctx.getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
            tls.startHandshake();
            use(tls);
            return tls.getSession().getProtocol();
        }

        void write(String s) throws IOException {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        String reply() throws IOException {
            List<String> lines = replyLines();
            return lines.get(lines.size() - 1);
        }

        List<String> replyLines() throws IOException {
            List<String> lines = new ArrayList<>();
            for (String l = in.readLine(); ; l = in.readLine()) {
                if (l == null) throw new IOException("connection closed after " + lines);
                lines.add(l);
                if (l.length() < 4 || l.charAt(3) != '-') return lines;
            }
        }

        List<String> command(String line) throws IOException {
            write(line + "\r\n");
            return replyLines();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
