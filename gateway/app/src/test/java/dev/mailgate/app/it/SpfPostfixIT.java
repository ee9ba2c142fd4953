// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.dns.testing.NsdServer;
import dev.mailgate.dns.testing.SilentDnsServer;
import dev.mailgate.testkit.mta.LocalPorts;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpClient;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * checkSPF end to end: a real Postfix with the gateway as its milter, the gateway's resolver
 * asking a real NSD on 127.0.0.1 that serves the senders' SPF records. The client connects from
 * 127.0.0.1, which is what the records allow or refuse.
 */
@Timeout(180)
class SpfPostfixIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    /** The records: exp= explains a Fail, "ok" allows its mail host 127.0.0.1, "soft" refuses softly. */
    static final String ZONE = """
            fail   TXT "v=spf1 ip4:192.0.2.0/24 -all exp=why.spf.test"
            why    TXT "%{i} may not send mail for %{d}"
            ok     TXT "v=spf1 a:mail.spf.test -all"
            mail   A   127.0.0.1
            soft   TXT "v=spf1 " "~all"
            """;

    static Path dir;
    static NsdServer nsd;
    static SilentDnsServer silent;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static final AtomicReference<String> policy = new AtomicReference<>();

    static String policy(String dnsServer) {
        return """
                listen:
                  - milter: inet:127.0.0.1:0
                services:
                  dns: { servers: [%s], timeout: 1s, retries: 0 }
                filters:
                  - spf: { deadline: 3s, timeout: 5s }
                rules:
                  onMailFrom:
                    - name: spf-fail
                      if: SPFResult == "Fail"
                      then: { reject: "550 5.7.23 ${spf.explanation}" }
                    - name: spf-temperror
                      if: SPFResult == "TempError"
                      then: { tempreject: "451 4.7.24 SPF check of ${spf.domain} failed, try again later" }
                """.formatted(dnsServer);
    }

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(NsdServer.isAvailable(), "nsd is not installed (run .ci/deps/dns.sh)");
        // postfix's own processes must be able to reach their data directory inside it
        dir = Files.createTempDirectory("mailgate-spf-it", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        nsd = NsdServer.builder(dir.resolve("nsd")).port(LocalPorts.freePort()).zone("spf.test", ZONE).start();
        silent = new SilentDnsServer();
        policy.set(policy(nsd.server()));
        gateway = Gateway.start(() -> TestPolicies.parse("spf-postfix-it.yaml", policy.get()));
        int port = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .milters("inet:127.0.0.1:" + port)
                .milterDefaultAction("tempfail")
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (postfix != null) postfix.close();
        if (sink != null) sink.close();
        if (gateway != null) gateway.close();
        if (silent != null) silent.close();
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
        policy.set(policy(nsd.server()));
        assertThat(gateway.reload()).isTrue();
    }

    private static SmtpTransaction send(String from) {
        String msg = "From: <" + from + ">\r\nTo: <rcpt@example.invalid>\r\nSubject: spf\r\n"
                + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\nbody\r\n";
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", postfix.smtpPort());
            c.ehlo("client.spf.test");
            SmtpTransaction t = c.send(from, List.of("rcpt@example.invalid"), msg);
            c.quit();
            return t;
        }
    }

    @Test
    void spfFailIsRejectedAtMailWithTheDomainsExplanation() {
        SmtpTransaction t = send("someone@fail.spf.test");
        assertThat(t.mail().code()).isEqualTo(550);
        assertThat(t.mail().lines()).containsExactly("550 5.7.23 127.0.0.1 may not send mail for fail.spf.test");
        assertThat(t.recipients()).isEmpty();
        assertThat(sink.messages()).isEmpty();
    }

    @Test
    void spfPassArrivesWithReceivedSpfAndAuthenticationResults() {
        SmtpTransaction t = send("someone@ok.spf.test");
        assertThat(t.accepted()).as("%s", t).isTrue();
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        // the authserv-id defaults to the MTA's host name (macro j)
        String host = postfix.postconfValue("myhostname");
        assertThat(m.header("Authentication-Results")).isEqualTo(host + "; spf=pass smtp.mailfrom=ok.spf.test");
        assertThat(m.header("Received-SPF")).isEqualTo("pass (" + host + ": domain of someone@ok.spf.test designates 127.0.0.1"
                + " as permitted sender) receiver=" + host + "; client-ip=127.0.0.1; envelope-from=\"someone@ok.spf.test\";"
                + " helo=client.spf.test; identity=mailfrom; mechanism=\"a:mail.spf.test\";");
        // prepended: above the Received: header Postfix added
        assertThat(m.headerNames().indexOf("Received-SPF")).isLessThan(m.headerNames().indexOf("Received"));
    }

    @Test
    void softFailIsOnlyMarked() {
        SmtpTransaction t = send("someone@soft.spf.test");
        assertThat(t.accepted()).as("%s", t).isTrue();
        assertThat(sink.awaitMessages(1, WAIT).get(0).header("Received-SPF")).startsWith("softfail (");
    }

    @Test
    void aSilentDnsServerGivesTempErrorAndATemporaryRefusalNeverAPass() {
        policy.set(policy(silent.server()));
        assertThat(gateway.reload()).isTrue();
        long start = System.nanoTime();
        SmtpTransaction t = send("someone@ok.spf.test");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(t.mail().code()).isEqualTo(451);
        assertThat(t.mail().lines()).containsExactly("451 4.7.24 SPF check of ok.spf.test failed, try again later");
        assertThat(sink.messages()).isEmpty();
        assertThat(ms).as("bounded by the DNS timeout, well under the milter timeouts").isLessThan(10_000);
    }
}
