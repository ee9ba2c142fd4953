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
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * The gateway behind a real Postfix 3.7 (smtpd_milters), a real SMTP client in front and a sink
 * behind: what the client is told and what arrives at the sink, for every verdict and change.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PostfixIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
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
                - if: subject.contains("quarantine-me")
                  then: { quarantine: "held for review" }
                - if: subject.contains("edit-me")
                  then:
                    - modifyHeader: { name: Subject, value: "edited by mailgate" }
                    - removeHeader: X-Remove
                    - changeFrom: new-sender@test.invalid
                    - addRcpt: extra@example.invalid
                    - discardRcpt: drop@example.invalid
                    - replaceBody: "the body was replaced"
                - then:
                    - addHeader: "X-Mailgate: checked ${queueId}"
            """;

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static final AtomicReference<String> policy = new AtomicReference<>(POLICY);

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        // postfix's own processes must be able to reach their data directory inside it
        dir = Files.createTempDirectory("mailgate-postfix-it",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        gateway = Gateway.start(() -> TestPolicies.parse("postfix-it.yaml", policy.get()));
        int port = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .milters("inet:127.0.0.1:" + port)
                .milterDefaultAction("tempfail")
                .start();
    }

    @AfterAll
    static void stop() {
        if (postfix != null) postfix.close();
        if (sink != null) sink.close();
        if (gateway != null) gateway.close();
    }

    @BeforeEach
    void clean() {
        sink.clear();
        policy.set(POLICY);
        assertThat(gateway.reload()).isTrue();
    }

    private static SmtpTransaction send(String from, List<String> rcpts, String subject, String extraHeaders, String body) {
        String msg = "From: <" + from + ">\r\nTo: <" + rcpts.get(0) + ">\r\nSubject: " + subject + "\r\n" + extraHeaders
                + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\n" + body + "\r\n";
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", postfix.smtpPort());
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send(from, rcpts, msg);
            c.quit();
            return t;
        }
    }

    @Test
    @Order(1)
    void acceptedMessageArrivesWithTheAddedHeader() {
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "hello", "", "plain body");
        assertThat(t.data().code()).isEqualTo(250);
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("X-Mailgate")).matches("checked [0-9A-Z]+");
        assertThat(m.recipients()).containsExactly("b@example.invalid");
        assertThat(m.body()).contains("plain body");
    }

    @Test
    @Order(2)
    void rejectAtMailWithMultiLineText() {
        SmtpTransaction t = send("refused@test.invalid", List.of("b@example.invalid"), "x", "", "x");
        assertThat(t.mail().code()).isEqualTo(550);
        assertThat(t.mail().lines()).containsExactly("550-5.7.1 sender refused", "550 5.7.1 by the gateway");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(3)
    void rejectOneOfTwoRecipients() {
        SmtpTransaction t = send("a@test.invalid", List.of("unknown@example.invalid", "good@example.invalid"), "two", "", "x");
        assertThat(t.recipients().get(0).lines()).containsExactly("550-5.1.1 no such user", "550 5.1.1 here");
        assertThat(t.recipients().get(1).code()).isEqualTo(250);
        assertThat(t.data().code()).isEqualTo(250);
        assertThat(sink.awaitMessages(1, WAIT).get(0).recipients()).containsExactly("good@example.invalid");
    }

    @Test
    @Order(4)
    void rejectAtEndOfMessage() {
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "please reject-me", "", "x");
        assertThat(t.data().lines()).containsExactly("554-5.7.1 content refused", "554 5.7.1 by policy");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(5)
    void tempRejectAtMailAndAtEndOfMessage() {
        SmtpTransaction atMail = send("later@test.invalid", List.of("b@example.invalid"), "x", "", "x");
        assertThat(atMail.mail().lines()).containsExactly("451 4.7.1 come back later");
        SmtpTransaction atEnd = send("a@test.invalid", List.of("b@example.invalid"), "defer-me", "", "x");
        assertThat(atEnd.data().lines()).containsExactly("451 4.7.1 deferred by policy");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(6)
    void discardAcceptsAndDrops() throws Exception {
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "discard-me", "", "x");
        assertThat(t.data().code()).isEqualTo(250);
        postfix.awaitMaillog("milter-discard", WAIT);
        Thread.sleep(500); // give a wrongly delivered copy the chance to show up
        assertThat(sink.messages()).isEmpty();
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
        assertThat(m.header("X-Mailgate")).startsWith("checked ");
    }

    @Test
    @Order(8)
    void quarantineGoesToTheHoldQueue() {
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "quarantine-me", "", "x");
        assertThat(t.data().code()).isEqualTo(250);
        assertThat(postfix.awaitHeld(1, WAIT)).hasSize(1);
        assertThat(sink.messages()).isEmpty();
        postfix.deleteAll();
    }

    @Test
    @Order(9)
    void rejectAtConnectIsReportedAtMail() {
        policy.set("""
                rules:
                  onConnect:
                    - if: remoteSmtpIp == "127.0.0.1"
                      then: { reject: "554 5.7.1 not from here" }
                """);
        assertThat(gateway.reload()).isTrue();
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", postfix.smtpPort());
            assertThat(c.ehlo("client.test.invalid").code()).isEqualTo(250);
            SmtpResponse mail = c.mail("a@test.invalid");
            assertThat(mail.code()).isEqualTo(554);
            assertThat(mail.lastLine()).contains("5.7.1 not from here");
            c.quit();
        }
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(10)
    void aHeaderBlockPastMaxHeaderSizeIsRefusedAndNothingArrives() throws Exception {
        policy.set(POLICY.replace("rules:", "message: { maxHeaderSize: 4KiB }\nrules:"));
        assertThat(gateway.reload()).isTrue();
        String filler = "X-Filler: " + "y".repeat(70) + "\r\n";
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "many headers", filler.repeat(100), "body");
        // whichever stage Postfix was told to wait at, the refusal reaches the client as 552 5.3.4
        assertThat(t.data().code()).isEqualTo(552);
        assertThat(t.data().lastLine()).contains("5.3.4").contains("header size exceeds limit");
        Thread.sleep(300);
        assertThat(sink.messages()).isEmpty();
        assertThat(postfix.awaitMaillog("milter-reject: END-OF-MESSAGE.*5\\.3\\.4", WAIT)).contains("header size exceeds limit");
    }

    @Test
    @Order(10)
    void largeBodyStreamsThroughToAFilterThatReadsIt() {
        policy.set(POLICY.replace("rules:", "message: { memoryLimit: 64KiB }\nfilters:\n  - test-body-probe: {}\nrules:"));
        assertThat(gateway.reload()).isTrue();
        String line = "0123456789".repeat(7) + "\r\n"; // 72 bytes per line
        String body = line.repeat(5000); // 360,000 bytes: six milter body chunks, spilled to disk
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "big", "", body.substring(0, body.length() - 2));
        assertThat(t.data().code()).isEqualTo(250);
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("X-Body-Bytes")).isEqualTo(Integer.toString(body.length()));
    }

    @Test
    @Order(11)
    void localSubmissionsGoThroughNonSmtpdMilters() {
        var r = postfix.submit("local@test.invalid", List.of("b@example.invalid"),
                "Subject: local submission\n\nsent with sendmail(1)\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("X-Mailgate")).startsWith("checked ");
        assertThat(m.sender()).isEqualTo("local@test.invalid");
    }

    /**
     * A policy that reads nothing of the connection, HELO or content events has Postfix skip them
     * (SMFIP_NOCONNECT, NOHELO, NOHDRS, NOEOH): the client's data comes as macros with MAIL, and
     * the variables hold what CONNECT would have given, for SMTP and for local submissions.
     */
    @Test
    @Order(12)
    void skippedEventsStillGiveTheConnectionVariables() {
        policy.set("""
                listen:
                  - milter: inet:127.0.0.1:0
                rules:
                  onDataReceived:
                    - then:
                        addHeader: "X-Mailgate: ${remoteSmtpIp} ${remoteSmtpHost} ${mtaHostname} <${mailFrom}> ${queueId}"
                """);
        assertThat(gateway.reload()).isTrue();
        SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "hello", "", "plain body");
        assertThat(t.data().code()).isEqualTo(250);
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("X-Mailgate")).matches("127\\.0\\.0\\.1 (localhost|\\[127\\.0\\.0\\.1\\]) mx\\.test\\.invalid <a@test\\.invalid> [0-9A-Z]+");
        sink.clear();
        var r = postfix.submit("local@test.invalid", List.of("b@example.invalid"),
                "Subject: local submission\n\nsent with sendmail(1)\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(r.exitCode()).as(r.describe()).isZero();
        assertThat(sink.awaitMessages(1, WAIT).get(0).header("X-Mailgate")).matches("127\\.0\\.0\\.1 localhost mx\\.test\\.invalid <local@test\\.invalid> [0-9A-Z]+");
    }

    @Test
    @Order(100)
    void gatewayDownMeansTempfailAndNothingLost() throws Exception {
        gateway.close();
        try {
            SmtpTransaction t = send("a@test.invalid", List.of("b@example.invalid"), "while down", "", "x");
            assertThat(t.mail().code()).isEqualTo(451);
            assertThat(t.data()).isNull();
            Thread.sleep(500);
            assertThat(sink.messages()).isEmpty();
            assertThat(postfix.queueIds()).isEmpty(); // refused, not accepted and queued or dropped
            postfix.awaitMaillog("milter", WAIT); // postlogd writes asynchronously
        } finally {
            gateway = null;
        }
    }
}
