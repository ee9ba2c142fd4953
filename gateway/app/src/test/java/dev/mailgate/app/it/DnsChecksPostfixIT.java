// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.dns.testing.NsdServer;
import dev.mailgate.testkit.mta.LocalPorts;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpResponse;
import dev.mailgate.testkit.mta.SmtpSink;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * checkReverseDNS, the HELO checks and checkSenderMX end to end: a real NSD on 127.0.0.1, the
 * gateway resolving through it, a real Postfix in front (XCLIENT presents the client), a sink.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DnsChecksPostfixIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
            services:
              dns: { servers: [%s], timeout: 1s, retries: 1 }
            filters:
              - rdns: { budget: 3s, timeout: 5s }
              - sendermx: { budget: 3s, timeout: 5s }
            rules:
              onEhlo:
                - if: rdns.heloResult == "Mismatch"
                  then: { reject: "550 5.7.1 HELO rejected: ${rdns.heloDetail}" }
              onMailFrom:
                - if: "!rdns.confirmed"
                  then: { tempreject: "450 4.7.25 Client host rejected: cannot find your hostname, [${remoteSmtpIp}]" }
                - if: SenderMXCheckResult == "Fail"
                  then: { reject: "550 5.1.8 sender domain ${mailFromDomain} cannot receive mail: ${sendermx.reason}" }
            """;

    static Path dir;
    static NsdServer nsd;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(NsdServer.isAvailable(), "nsd is not installed (run .ci/deps/dns.sh)");
        dir = Files.createTempDirectory("mailgate-dnschecks-it", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        nsd = NsdServer.builder(dir.resolve("nsd")).port(LocalPorts.freePort())
                .zone("example.test", """
                        @       MX   10 mail
                        mail    A    192.0.2.25
                        other   A    192.0.2.99
                        lo      A    127.0.0.1
                        """)
                .zone("nullmx.test", "@ MX 0 .\n")
                .zone("2.0.192.in-addr.arpa", """
                        25 PTR mail.example.test.
                        30 PTR liar.example.test.
                        """)
                .zone("127.in-addr.arpa", "1.0.0 PTR lo.example.test.\n") // Postfix's own first connect
                .start();
        String policy = POLICY.formatted(nsd.server());
        gateway = Gateway.start(() -> TestPolicies.parse("dnschecks-it.yaml", policy));
        int port = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .milters("inet:127.0.0.1:" + port)
                .milterDefaultAction("tempfail")
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                .setting("mynetworks", "127.0.0.0/8 192.0.2.0/24")
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (sink != null) sink.close();
        if (gateway != null) gateway.close();
        if (nsd != null) nsd.close();
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @BeforeEach
    void clean() {
        sink.clear();
    }

    /** The replies of one session as {@code clientIp} (XCLIENT) saying {@code helo}, sending one message. */
    record Dialogue(SmtpResponse ehlo, SmtpTransaction transaction) {}

    private static Dialogue send(String clientIp, String helo, String from) {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", postfix.smtpPort());
            c.ehlo("[127.0.0.1]");
            SmtpResponse x = c.command("XCLIENT ADDR=" + clientIp + " NAME=[UNAVAILABLE]");
            assertThat(x.code()).as("XCLIENT: %s", x).isEqualTo(220);
            SmtpResponse ehlo = c.ehlo(helo);
            SmtpTransaction t = c.send(from, List.of("b@example.invalid"),
                    "From: <" + from + ">\r\nSubject: dns checks\r\nMessage-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\nbody\r\n");
            c.quit();
            return new Dialogue(ehlo, t);
        }
    }

    @Test
    @Order(1)
    void aClientThatChecksOutIsDelivered() {
        Dialogue d = send("192.0.2.25", "mail.example.test", "a@example.test");
        assertThat(d.ehlo().code()).isEqualTo(250);
        assertThat(d.transaction().data().code()).isEqualTo(250);
        assertThat(sink.awaitMessages(1, WAIT)).hasSize(1);
    }

    @Test
    @Order(2)
    void aNullMxSenderIsRejectedAtMail() {
        SmtpTransaction t = send("192.0.2.25", "mail.example.test", "a@nullmx.test").transaction();
        assertThat(t.mail().lastLine()).isEqualTo(
                "550 5.1.8 sender domain nullmx.test cannot receive mail: nullmx.test publishes a null MX: it accepts no mail (RFC 7505)");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(3)
    void aClientWhosePtrDoesNotLeadBackIsDeferred() {
        SmtpTransaction t = send("192.0.2.30", "[192.0.2.30]", "a@example.test").transaction();
        assertThat(t.mail().lastLine()).isEqualTo("450 4.7.25 Client host rejected: cannot find your hostname, [192.0.2.30]");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(4)
    void aHeloNameOfAnotherHostIsRejectedWithTheReason() {
        Dialogue d = send("192.0.2.25", "other.example.test", "a@example.test");
        // Postfix answers EHLO itself and gives a milter's HELO reject at MAIL FROM
        assertThat(d.ehlo().code()).isEqualTo(250);
        assertThat(d.transaction().mail().lastLine())
                .isEqualTo("550 5.7.1 HELO rejected: other.example.test resolves to 192.0.2.99, not to 192.0.2.25");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(100)
    void withDnsDownTheChecksTempfailNeverPass() throws Exception {
        nsd.close();
        assertThat(gateway.reload()).isTrue(); // a fresh cache: nothing answered from memory
        Dialogue d = send("192.0.2.25", "[192.0.2.25]", "a@example.test");
        int code = d.transaction().mail().code();
        assertThat(code).isEqualTo(451);
        assertThat(d.transaction().data()).isNull();
        Thread.sleep(300);
        assertThat(sink.messages()).isEmpty();
    }
}
