// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpSink;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * onDeliveryFailure / onTemporaryDeliveryFailure in proxy mode against a real Postfix whose
 * recipient restrictions refuse some addresses: the policy sees the downstream's reply in
 * {@code deliveryReply} / {@code deliveryCode} / {@code deliveryCommand} and may replace the text
 * the client gets; with no matching rule the downstream's own reply reaches the client unchanged.
 */
class ProxyDeliveryFailureIT {
    static final Duration WAIT = Duration.ofSeconds(20);

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static int proxyPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        dir = Files.createTempDirectory("mailgate-deliveryfailure-it",
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x")));
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                .setting("smtpd_recipient_restrictions", "check_recipient_access inline:{ { bad@example.invalid = REJECT no such user },"
                        + " { gone@example.invalid = REJECT gone away }, { later@example.invalid = DEFER_IF_PERMIT try later } },"
                        + " permit_mynetworks, reject")
                .start();
        String policy = """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 10s
                rules:
                  onDeliveryFailure:
                    - if: deliveryCommand == "RCPT" && deliveryReply.contains("no such user") && rcptTo == "bad@example.invalid"
                      then: { reject: "550 5.1.1 <${rcptTo}> is unknown here (downstream said ${deliveryCode})" }
                  onTemporaryDeliveryFailure:
                    - if: deliveryCode == 450
                      then:
                        - smtpExplanation: "the mailbox is busy, please retry"
                        - report: DOWNSTREAM_DEFERRED
                scores:
                  DOWNSTREAM_DEFERRED: 1
                """.formatted(postfix.smtpPort());
        gateway = Gateway.start(() -> TestPolicies.parse("delivery-failure-it.yaml", policy));
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

    static SmtpTransaction send(List<String> rcpts) {
        String msg = "From: <a@test.invalid>\r\nTo: <" + rcpts.get(0) + ">\r\nSubject: t\r\n\r\nbody\r\n";
        try (SmtpClient c = new SmtpClient(WAIT)) {
            assertThat(c.connect("127.0.0.1", proxyPort).code()).isEqualTo(220);
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send("a@test.invalid", rcpts, msg);
            c.quit();
            return t;
        }
    }

    @Test
    void onDeliveryFailureRewritesTheRefusedRecipientsReply() {
        SmtpTransaction t = send(List.of("bad@example.invalid", "good@example.invalid"));
        assertThat(t.recipients().get(0).lines())
                .containsExactly("550 5.1.1 <bad@example.invalid> is unknown here (downstream said 554)");
        assertThat(t.recipients().get(1).code()).isEqualTo(250);
        assertThat(t.data().code()).isEqualTo(250);
        assertThat(sink.awaitMessages(1, WAIT).get(0).recipients()).containsExactly("good@example.invalid");
        // the downstream really refused it: the proxy only changed the words
        // postlogd writes the maillog asynchronously: wait for the line instead of reading once
        assertThat(postfix.awaitMaillog("bad@example\\.invalid.*no such user", java.time.Duration.ofSeconds(10))).isNotNull();
    }

    @Test
    void withoutAMatchingRuleTheDownstreamsReplyIsRelayed() {
        SmtpTransaction t = send(List.of("gone@example.invalid", "good@example.invalid"));
        assertThat(t.recipients().get(0).code()).isEqualTo(554);
        assertThat(t.recipients().get(0).lastLine()).contains("gone away");
        assertThat(t.data().code()).isEqualTo(250);
    }

    @Test
    void smtpExplanationAloneKeepsTheDownstreamsTemporaryCode() {
        SmtpTransaction t = send(List.of("later@example.invalid", "good@example.invalid"));
        assertThat(t.recipients().get(0).lines()).containsExactly("450 4.7.1 the mailbox is busy, please retry");
        assertThat(t.data().code()).isEqualTo(250);
    }
}
