// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpResponse;
import dev.mailgate.testkit.mta.SmtpSink;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * SMTP proxy mode end to end: SmtpClient → the gateway's smtp listener → a real Postfix 3.7 as
 * the downstream (XCLIENT authorised for loopback, no milters) → SmtpSink. Same rules as
 * {@link PostfixIT}, so the outcomes can be compared with milter mode.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProxyPostfixIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String RULES = """
            rules:
              onMailFrom:
                - if: mailFrom == "refused@test.invalid"
                  then: { reject: "550 5.7.1 sender refused\\nby the gateway" }
                - if: mailFrom == "later@test.invalid"
                  then: { tempreject: "451 4.7.1 come back later" }
              onRcptTo:
                - if: rcptTo == "unknown@example.invalid"
                  then: { reject: "550 5.1.1 no such user\\nhere" }
              onDataReceived:
                - if: subject.contains("reject-me")
                  then: { reject: "554 5.7.1 content refused\\nby policy" }
                - if: subject.contains("defer-me")
                  then: { tempreject: "451 4.7.1 deferred by policy" }
                - if: subject.contains("discard-me")
                  then: discard
                - if: subject.contains("edit-me")
                  then:
                    - modifyHeader: { name: Subject, value: "edited by mailgate" }
                    - removeHeader: X-Remove
                    - changeFrom: new-sender@test.invalid
                    - addRcpt: extra@example.invalid
                    - discardRcpt: drop@example.invalid
                    - replaceBody: "the body was replaced"
                - if: subject.contains("raw")
                  then: accept
                - then:
                    - addHeader: "X-Mailgate: checked ${remoteSmtpIp}"
            """;

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static int proxyPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        dir = Files.createTempDirectory("mailgate-proxy-it",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
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
                    maxDataSize: 1MiB
                """.formatted(postfix.smtpPort()) + RULES;
        gateway = Gateway.start(() -> TestPolicies.parse("proxy-postfix-it.yaml", policy));
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

    static SmtpTransaction send(String from, List<String> rcpts, String subject, String extraHeaders, String body) {
        String msg = "From: <" + from + ">\r\nTo: <" + rcpts.get(0) + ">\r\nSubject: " + subject + "\r\n" + extraHeaders
                + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\n" + body + "\r\n";
        try (SmtpClient c = new SmtpClient(WAIT)) {
            assertThat(c.connect("127.0.0.1", proxyPort).code()).isEqualTo(220);
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send(from, rcpts, msg);
            c.quit();
            return t;
        }
    }

    @Test
    @Order(1)
    void acceptedMessageArrivesWithTheAddedHeaderAndTheRealClient() {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", proxyPort);
            SmtpResponse ehlo = c.ehlo("client.test.invalid");
            assertThat(ehlo.texts()).contains("PIPELINING", "SIZE 1048576", "8BITMIME", "ENHANCEDSTATUSCODES");
            c.quit();
        }
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "hello", "", "plain body");
        assertThat(t.data().code()).isEqualTo(250);
        assertThat(t.data().lastLine()).contains("queued as"); // Postfix's own reply reached the client
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("X-Mailgate")).isEqualTo("checked 127.0.0.1");
        assertThat(m.recipients()).containsExactly("b@example.invalid");
        // XCLIENT: Postfix saw the client's HELO and address, and no name (the proxy does no PTR lookup)
        assertThat(m.headers("Received").get(0)).contains("from client.test.invalid (unknown [127.0.0.1])");
    }

    @Test
    @Order(2)
    void rejectAtMailWithMultiLineText() {
        SmtpTransaction t = send("refused@test.invalid", List.of("b@example.invalid"), "x", "", "x");
        assertThat(t.mail().lines()).containsExactly("550-5.7.1 sender refused", "550 5.7.1 by the gateway");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(3)
    void rejectedRecipientIsNeverForwarded() {
        SmtpTransaction t = send("a@test.invalid", List.of("unknown@example.invalid", "good@example.invalid"), "two", "", "x");
        assertThat(t.recipients().get(0).lines()).containsExactly("550-5.1.1 no such user", "550 5.1.1 here");
        assertThat(t.recipients().get(1).code()).isEqualTo(250);
        assertThat(t.data().code()).isEqualTo(250);
        assertThat(sink.awaitMessages(1, WAIT).get(0).recipients()).containsExactly("good@example.invalid");
        assertThat(postfix.maillog()).doesNotContain("unknown@example.invalid");
    }

    @Test
    @Order(4)
    void rejectAtEndOfMessageNothingQueued() throws Exception {
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "please reject-me", "", "x");
        assertThat(t.data().lines()).containsExactly("554-5.7.1 content refused", "554 5.7.1 by policy");
        Thread.sleep(300);
        assertThat(sink.messages()).isEmpty();
        assertThat(postfix.queueIds()).isEmpty();
    }

    @Test
    @Order(5)
    void tempRejectAtMailAndAtEndOfMessage() throws Exception {
        assertThat(send("later@test.invalid", List.of("b@example.invalid"), "x", "", "x").mail().lines())
                .containsExactly("451 4.7.1 come back later");
        assertThat(send("a@test.invalid", List.of("b@example.invalid"), "defer-me", "", "x").data().lines())
                .containsExactly("451 4.7.1 deferred by policy");
        Thread.sleep(300);
        assertThat(sink.messages()).isEmpty();
        assertThat(postfix.queueIds()).isEmpty();
    }

    @Test
    @Order(6)
    void discardAcceptsAndDrops() throws Exception {
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "discard-me", "", "x");
        assertThat(t.data().code()).isEqualTo(250);
        Thread.sleep(500); // give a wrongly delivered copy the chance to show up
        assertThat(sink.messages()).isEmpty();
        assertThat(postfix.queueIds()).isEmpty();
    }

    @Test
    @Order(7)
    void headerSenderRecipientAndBodyChanges() {
        SmtpTransaction t = send("a@test.invalid", List.of("keep@example.invalid", "drop@example.invalid"), "edit-me",
                "X-Remove: one\r\nX-Remove: two\r\n", "original body");
        assertThat(t.data().code()).isEqualTo(250);
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("Subject")).isEqualTo("edited by mailgate");
        assertThat(m.headers("X-Remove")).isEmpty();
        assertThat(m.sender()).isEqualTo("new-sender@test.invalid");
        assertThat(m.recipients()).containsExactlyInAnyOrder("keep@example.invalid", "extra@example.invalid");
        assertThat(m.body()).contains("the body was replaced").doesNotContain("original body");
        assertThat(m.header("X-Mailgate")).isEqualTo("checked 127.0.0.1");
    }

    @Test
    @Order(8)
    void leadingDotsAndEightBitBytesArriveByteIdentical() {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(".leading dot\r\n..two dots\r\n.\r\n".getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(new byte[] {(byte) 0xe9, (byte) 0xff, (byte) 0x80, ' ', '8', '-', 'b', 'i', 't', '\r', '\n'});
        body.writeBytes("last line\r\n".getBytes(StandardCharsets.US_ASCII));
        byte[] head = "From: <a@test.invalid>\r\nSubject: raw\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        byte[] msg = new byte[head.length + body.size()];
        System.arraycopy(head, 0, msg, 0, head.length);
        System.arraycopy(body.toByteArray(), 0, msg, head.length, body.size());
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", proxyPort);
            c.ehlo("client.test.invalid");
            assertThat(c.mail("a@test.invalid", "BODY=8BITMIME").code()).isEqualTo(250);
            assertThat(c.rcpt("b@example.invalid").code()).isEqualTo(250);
            assertThat(c.data(msg).code()).isEqualTo(250);
            c.quit();
        }
        byte[] raw = sink.awaitMessages(1, WAIT).get(0).raw();
        byte[] tail = Arrays.copyOfRange(raw, raw.length - body.size(), raw.length);
        assertThat(tail).isEqualTo(body.toByteArray());
    }

    @Test
    @Order(9)
    void smugglingAttemptIsRefusedAndNothingIsDelivered() throws Exception {
        try (var socket = new java.net.Socket("127.0.0.1", proxyPort)) {
            socket.setSoTimeout((int) WAIT.toMillis());
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            var out = socket.getOutputStream();
            assertThat(in.readLine()).startsWith("220 ");
            out.write("EHLO client.test.invalid\r\n".getBytes(StandardCharsets.US_ASCII));
            String l;
            while ((l = in.readLine()).startsWith("250-")) { }
            out.write("MAIL FROM:<a@test.invalid>\r\nRCPT TO:<b@example.invalid>\r\nDATA\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("250");
            assertThat(in.readLine()).startsWith("250");
            assertThat(in.readLine()).startsWith("354");
            out.write(("Subject: smuggle\r\n\r\nx\n.\r\nMAIL FROM:<evil@test.invalid>\r\nRCPT TO:<victim@example.invalid>\r\n"
                    + "DATA\r\nSubject: smuggled\r\n\r\nevil\r\n.\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).startsWith("550 5.5.2").contains("bare <LF>");
            assertThat(in.readLine()).isNull(); // closed
        }
        Thread.sleep(500);
        assertThat(sink.messages()).isEmpty();
        assertThat(postfix.queueIds()).isEmpty();
    }

    @Test
    @Order(100)
    void downstreamStoppedMidSessionMeansTempfailAndNothingAcknowledged() {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", proxyPort);
            c.ehlo("client.test.invalid");
            assertThat(c.mail("a@test.invalid").code()).isEqualTo(250);
            assertThat(c.rcpt("b@example.invalid").code()).isEqualTo(250);
            postfix.close(); // the downstream goes away, its smtpd included
            SmtpResponse data = c.data("Subject: while down\r\n\r\nx\r\n");
            assertThat(data.code()).isBetween(400, 499);
        }
        assertThat(sink.messages()).isEmpty();
        postfix = null;
    }
}
