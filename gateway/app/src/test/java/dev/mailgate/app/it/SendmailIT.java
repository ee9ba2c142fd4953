// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SendmailInstance;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpSink;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway behind a private Sendmail 8.17 (INPUT_MAIL_FILTER): accept, reject, header changes. */
class SendmailIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
            rules:
              onRcptTo:
                - if: rcptTo == "unknown@example.invalid"
                  then: { reject: "550 5.1.1 no such user\\nhere" }
              onDataReceived:
                - if: subject.contains("reject-me")
                  then: { reject: "554 5.7.1 content refused" }
                - if: subject.contains("edit-me")
                  then:
                    - modifyHeader: { name: Subject, value: "edited for sendmail" }
                    - removeHeader: X-Remove
                - then:
                    - addHeader: "X-Mailgate: checked ${queueId} ${remoteSmtpIp}"
            """;
    static SmtpSink sink;
    static SendmailInstance sendmail;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(SendmailInstance.isAvailable(), SendmailInstance.unavailableReason());
        gateway = Gateway.start(() -> TestPolicies.parse("sendmail-it.yaml", POLICY));
        int port = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
        sink = SmtpSink.start();
        Path dir = Files.createTempDirectory("mailgate-sendmail-it", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        sendmail = SendmailInstance.builder(dir).relayPort(sink.port()).milterPort(port).start();
    }

    @AfterAll
    static void stop() {
        if (sendmail != null) sendmail.close();
        if (sink != null) sink.close();
        if (gateway != null) gateway.close();
    }

    @BeforeEach
    void clean() {
        sink.clear();
    }

    private static SmtpTransaction send(List<String> rcpts, String subject, String extraHeaders) {
        String msg = "From: <a@test.invalid>\r\nTo: <" + rcpts.get(0) + ">\r\nSubject: " + subject + "\r\n" + extraHeaders
                + "\r\nbody via sendmail\r\n";
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", sendmail.smtpPort());
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send("a@test.invalid", rcpts, msg);
            c.quit();
            return t;
        }
    }

    @Test
    void acceptWithAddedHeader() {
        SmtpTransaction t = send(List.of("b@example.invalid"), "hello sendmail", "");
        assertThat(t.data().code()).isEqualTo(250);
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        // Sendmail has the queue id from MAIL on
        // no rule needs CONNECT, so Sendmail skipped it: the client address came as MAIL macros
        assertThat(m.header("X-Mailgate")).matches("checked \\S+ 127\\.0\\.0\\.1");
        assertThat(m.body()).contains("body via sendmail");
    }

    @Test
    void rejectRecipientAndMessage() {
        SmtpTransaction t = send(List.of("unknown@example.invalid", "b@example.invalid"), "please reject-me", "");
        // Sendmail puts the address in front of the first line of the text
        assertThat(t.recipient(0).lines()).hasSize(2);
        assertThat(t.recipient(0).lines().get(0)).startsWith("550-5.1.1 ").endsWith("no such user");
        assertThat(t.recipient(0).lines().get(1)).isEqualTo("550 5.1.1 here");
        assertThat(t.recipient(1).code()).isEqualTo(250);
        assertThat(t.data().lastLine()).contains("5.7.1 content refused");
        assertThat(t.data().code()).isEqualTo(554);
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void headerChangeAndRemoval() {
        SmtpTransaction t = send(List.of("b@example.invalid"), "edit-me", "X-Remove: 1\r\nX-Remove: 2\r\n");
        assertThat(t.data().code()).isEqualTo(250);
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("Subject")).isEqualTo("edited for sendmail");
        assertThat(m.headers("X-Remove")).isEmpty();
        assertThat(m.header("X-Mailgate")).startsWith("checked ");
    }
}
