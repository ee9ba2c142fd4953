// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.testing.NsdServer;
import dev.mailgate.dns.testing.SilentDnsServer;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * checkDNSBL end to end: a real NSD on 127.0.0.1 serving the lists, the gateway resolving through
 * it, a real Postfix in front (XCLIENT presents the client addresses of the test), a sink behind.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DnsblPostfixIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String LISTED_IP = "192.0.2.66";
    static final String CLEAN_IP = "192.0.2.1";
    static final String BL_TEXT = "Listed by bl.test, see http://bl.test/q?192.0.2.66";

    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
            services:
              dns: { servers: [%s], timeout: 1s, retries: 1 }
            filters:
              - dnsbl:
                  zones: [bl.test]
                  domains: ["dbl.test from"]
                  budget: 3s
                  timeout: 5s
            rules:
            %s""";
    static final String LISTED_RULE = """
                - if: DNSBLServer != ""
                  then: { reject: "554 5.7.1 Service unavailable; client [${remoteSmtpIp}] blocked using ${DNSBLServer}: ${DNSBLExplanation}" }
            """;
    static final String DOMAIN_RULE = """
                - if: dnsbl.fromListedBy != ""
                  then: { reject: "550 5.7.1 sender domain ${mailFromDomain} blocked using ${dnsbl.fromListedBy}: ${dnsbl.fromExplanation}" }
            """;

    static Path dir;
    static NsdServer nsd;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static final AtomicReference<String> policy = new AtomicReference<>();

    /** The policy with the DNSBL rule at {@code rejectEvent}; the domain rule is always at onMailFrom. */
    static String policy(String dnsServer, String rejectEvent) {
        String rules = rejectEvent.equals("onMailFrom")
                ? "  onMailFrom:\n" + LISTED_RULE + DOMAIN_RULE
                : "  " + rejectEvent + ":\n" + LISTED_RULE + "  onMailFrom:\n" + DOMAIN_RULE;
        return POLICY.formatted(dnsServer, rules);
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(NsdServer.isAvailable(), "nsd is not installed (run .ci/deps/dns.sh)");
        dir = Files.createTempDirectory("mailgate-dnsbl-it", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        nsd = NsdServer.builder(dir.resolve("nsd")).port(LocalPorts.freePort())
                .zone("bl.test", """
                        66.2.0.192  A   127.0.0.2
                        66.2.0.192  TXT "%s"
                        """.formatted(BL_TEXT))
                .zone("dbl.test", """
                        spam.example  A   127.0.0.2
                        spam.example  TXT "spam.example is a spam source"
                        """)
                .start();
        policy.set(policy(nsd.server(), "onConnect"));
        gateway = Gateway.start(() -> TestPolicies.parse("dnsbl-it.yaml", policy.get()));
        int port = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .milters("inet:127.0.0.1:" + port)
                .milterDefaultAction("tempfail")
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                .setting("mynetworks", "127.0.0.0/8 192.0.2.0/24") // the XCLIENT addresses may relay to the sink
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

    private static void use(String p) {
        policy.set(p);
        assertThat(gateway.reload()).isTrue();
    }

    /** The XCLIENT reply (Postfix's new greeting) and, if that was 220, the transaction. */
    record Dialogue(SmtpResponse xclient, SmtpTransaction transaction) {}

    /** One SMTP session that presents {@code clientIp} through XCLIENT, then sends one message. */
    private static Dialogue dialogue(String clientIp, String from) {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", postfix.smtpPort());
            c.ehlo("client.test.invalid");
            // Postfix runs the milter's connect event again for the new address, then greets anew
            SmtpResponse x = c.command("XCLIENT ADDR=" + clientIp + " NAME=[UNAVAILABLE]");
            if (x.code() != 220) {
                c.quit();
                return new Dialogue(x, null);
            }
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send(from, List.of("b@example.invalid"),
                    "From: <" + from + ">\r\nSubject: dnsbl\r\nMessage-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\nbody\r\n");
            c.quit();
            return new Dialogue(x, t);
        }
    }

    private static SmtpTransaction sendAs(String clientIp, String from) {
        Dialogue d = dialogue(clientIp, from);
        assertThat(d.xclient().code()).as("XCLIENT: %s", d.xclient()).isEqualTo(220);
        return d.transaction();
    }

    private static long queries() {
        return gateway.pipeline().policy().services().service(DnsResolver.class).metrics().queries();
    }

    @Test
    @Order(1)
    void aCleanClientIsDelivered() {
        SmtpTransaction t = sendAs(CLEAN_IP, "a@clean.example");
        assertThat(t.data()).isNotNull();
        assertThat(t.data().code()).isEqualTo(250);
        assertThat(sink.awaitMessages(1, WAIT)).hasSize(1);
    }

    @Test
    @Order(2)
    void aListedClientIsRejectedAtConnectWithTheListsText() throws Exception {
        // after XCLIENT, Postfix answers a connect reject with its own 554 greeting; the list's
        // text is in its log line of the milter's reply
        Dialogue d = dialogue(LISTED_IP, "a@clean.example");
        assertThat(d.xclient().code()).isEqualTo(554);
        assertThat(d.transaction()).isNull();
        String line = postfix.awaitMaillog("milter-reject: (CONNECT|XCLIENT) from [^ ]*\\[192\\.0\\.2\\.66\\]", WAIT);
        assertThat(line).contains("554 5.7.1 Service unavailable; client [192.0.2.66] blocked using bl.test: " + BL_TEXT);
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(3)
    void aWarmCacheAsksNothing() {
        dialogue(LISTED_IP, "a@clean.example"); // warm (the cache of this policy)
        dialogue(CLEAN_IP, "a@clean.example");
        long before = queries();
        assertThat(dialogue(LISTED_IP, "a@clean.example").xclient().code()).isEqualTo(554);
        assertThat(dialogue(CLEAN_IP, "a@clean.example").transaction().data().code()).isEqualTo(250);
        assertThat(queries()).isEqualTo(before);
        assertThat(sink.awaitMessages(2, WAIT)).hasSize(2); // both clean ones, before the next test looks
    }

    @Test
    @Order(4)
    void theRejectComesAtTheStageThePolicySays() {
        use(policy(nsd.server(), "onMailFrom"));
        SmtpTransaction atMail = sendAs(LISTED_IP, "a@clean.example");
        assertThat(atMail.mail().lastLine())
                .isEqualTo("554 5.7.1 Service unavailable; client [192.0.2.66] blocked using bl.test: " + BL_TEXT);
        use(policy(nsd.server(), "onRcptTo"));
        SmtpTransaction atRcpt = sendAs(LISTED_IP, "a@clean.example");
        assertThat(atRcpt.mail().code()).isEqualTo(250);
        assertThat(atRcpt.recipients()).hasSize(1);
        assertThat(atRcpt.recipients().get(0).lastLine())
                .isEqualTo("554 5.7.1 Service unavailable; client [192.0.2.66] blocked using bl.test: " + BL_TEXT);
        assertThat(atRcpt.data()).isNull();
        assertThat(sink.messages()).isEmpty();
        use(policy(nsd.server(), "onConnect"));
    }

    @Test
    @Order(5)
    void aListedSenderDomainIsRejectedAtMail() {
        SmtpTransaction t = sendAs(CLEAN_IP, "someone@spam.example");
        assertThat(t.mail().lastLine())
                .isEqualTo("550 5.7.1 sender domain spam.example blocked using dbl.test: spam.example is a spam source");
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    @Order(6)
    void aListThatNeverAnswersIsATempfailWithinTheDeadline() {
        try (SilentDnsServer silent = new SilentDnsServer()) {
            use(policy(silent.server(), "onConnect"));
            long t0 = System.nanoTime();
            SmtpTransaction t = sendAs(CLEAN_IP, "a@clean.example");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(t.mail().code()).isEqualTo(451);
            assertThat(t.mail().lastLine()).contains("4.7.1").contains("dnsbl");
            // two connects (before and after XCLIENT) of one 1 s lookup each, far below Postfix's milter timeouts
            assertThat(ms).isBetween(1000L, 10_000L);
            assertThat(sink.messages()).isEmpty();
        } finally {
            use(policy(nsd.server(), "onConnect"));
        }
    }

    @Test
    @Order(100)
    void aStoppedDnsServerIsATempfailNeverAPass() throws Exception {
        use(policy(nsd.server(), "onConnect")); // a fresh cache: nothing is answered from memory
        nsd.close();
        SmtpTransaction t = sendAs(CLEAN_IP, "a@clean.example");
        assertThat(t.mail().code()).isEqualTo(451);
        assertThat(t.data()).isNull();
        Thread.sleep(300);
        assertThat(sink.messages()).isEmpty();
    }
}
