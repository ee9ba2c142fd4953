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
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * checkGeoIp behind a real Postfix 3.7. The test presents other client addresses with XCLIENT
 * (allowed from loopback by smtpd_authorized_xclient_hosts); Postfix replays the milter connect
 * with the new address. When the geoip filter rejects that connect, Postfix answers XCLIENT itself
 * with its generic "554 ... not accepting connections" greeting (a tempreject: a normal 220), lets
 * EHLO through and refuses MAIL FROM with the gateway's reply text (connect-stage milter refusals
 * surface at MAIL). A client
 * from an allowed country is delivered to the sink with its country stamped by a policy rule.
 */
class GeoipPostfixIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    /** MaxMind's test database (Apache-2.0 OR MIT, licences next to it), from the geoip filter's test resources. */
    static final Path MAXMIND_TEST_DB = Path.of("../../filters/geoip/src/test/resources/conformance/test-data/GeoIP2-Country-Test.mmdb")
            .toAbsolutePath().normalize();
    static final String STAMP = """
            rules:
              onDataReceived:
                - then: { addHeader: "X-Country: ${GeoIPResult}/${geoip.status}" }
            """;

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static final AtomicReference<String> policy = new AtomicReference<>("listen:\n  - milter: inet:127.0.0.1:0\n");

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        dir = Files.createTempDirectory("mailgate-geoip-it", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        gateway = Gateway.start(() -> TestPolicies.parse("geoip-it.yaml", policy.get()));
        int port = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .milters("inet:127.0.0.1:" + port)
                .milterDefaultAction("tempfail")
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                // XCLIENT ADDR=IPV6:... needs IPv6 enabled; smtpd still listens on 127.0.0.1 only
                .setting("inet_protocols", "all")
                // after XCLIENT the client is a stranger (not in mynetworks): let it mail the test domain
                .setting("relay_domains", "example.invalid")
                .setting("smtpd_relay_restrictions", "permit_mynetworks, reject_unauth_destination")
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
    }

    private static void use(String filters) {
        policy.set("listen:\n  - milter: inet:127.0.0.1:0\nfilters:\n" + filters + STAMP);
        assertThat(gateway.reload()).as("policy reload").isTrue();
    }

    /** Connects from loopback, says EHLO, then becomes {@code addr} with XCLIENT; returns the XCLIENT reply. */
    private static SmtpResponse becomeClient(SmtpClient c, String addr) {
        c.connect("127.0.0.1", postfix.smtpPort());
        assertThat(c.ehlo("client.test.invalid").lines()).anyMatch(l -> l.contains("XCLIENT"));
        return c.command("XCLIENT ADDR=" + addr + " NAME=[UNAVAILABLE]");
    }

    /**
     * The client becomes {@code addr} and is refused at MAIL with {@code code} and {@code text}.
     * The replayed greeting (XCLIENT's answer) is 554 for a reject, a plain 220 for a tempreject.
     */
    private static void assertRefusedAtMail(String addr, int greeting, int code, String text) {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            SmtpResponse xclient = becomeClient(c, addr);
            assertThat(xclient.code()).as("the replayed greeting: %s", c.transcript()).isEqualTo(greeting);
            assertThat(c.ehlo("client.test.invalid").code()).isEqualTo(250);
            SmtpResponse mail = c.mail("sender@test.invalid");
            assertThat(mail.code()).as(addr).isEqualTo(code);
            assertThat(mail.lastLine()).as("%s", c.transcript()).contains(text);
            c.quit();
        }
        // postlogd writes the maillog asynchronously: wait for the line instead of reading once
        postfix.awaitMaillog(java.util.regex.Pattern.quote("milter-reject: MAIL from unknown[" + addr.replaceFirst("^IPV6:", "") + "]: " + code),
                java.time.Duration.ofSeconds(10));
    }

    private static ReceivedMessage assertDelivered(String addr) {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            assertThat(becomeClient(c, addr).code()).as("XCLIENT answers with a new greeting").isEqualTo(220);
            assertThat(c.ehlo("client.test.invalid").code()).isEqualTo(250);
            SmtpTransaction t = c.send("sender@test.invalid", List.of("rcpt@example.invalid"),
                    "From: <sender@test.invalid>\r\nSubject: geoip\r\n\r\nhello\r\n");
            assertThat(t.data()).as("%s: %s", addr, c.transcript()).isNotNull();
            assertThat(t.data().code()).as(addr).isEqualTo(250);
            c.quit();
        }
        return sink.awaitMessages(1, WAIT).get(0);
    }

    @Test
    void theShippedDatabaseBansByCountryOutOfTheBox() {
        use("  - geoip: { bannedCountries: [NL] }\n");
        // RIPE NCC's own networks are in NL, APNIC's in AU: stable across database refreshes
        assertRefusedAtMail("193.0.6.139", 554, 554, "554 5.7.1 Connections from your country (NL) are not accepted");
        assertRefusedAtMail("IPV6:2001:67c:2e8::1", 554, 554, "5.7.1 Connections from your country (NL) are not accepted");
        assertThat(sink.messages()).isEmpty();
        assertThat(assertDelivered("202.12.29.20").header("X-Country")).isEqualTo("AU/country");
        sink.clear();
        assertThat(assertDelivered("IPV6:2001:dc0:2001::1").header("X-Country")).isEqualTo("AU/country");
    }

    @Test
    void aMaxMindDatabaseWithAnAllowListAndTempReject() {
        use("  - geoip:\n      database: " + MAXMIND_TEST_DB + "\n      allowedCountries: [SE]\n      action: tempreject\n"
                + "      reply: \"451 4.7.1 not from ${GeoIPResult} today\"\n");
        assertRefusedAtMail("81.2.69.142", 220, 451, "451 4.7.1 not from GB today");
        assertThat(sink.messages()).isEmpty();
        assertThat(assertDelivered("89.160.20.112").header("X-Country")).isEqualTo("SE/country");
    }

    @Test
    void anAddressTheDatabaseCannotPlacePassesAndIsMarkedUnknown() {
        use("  - geoip:\n      database: " + MAXMIND_TEST_DB + "\n      allowedCountries: [SE]\n");
        assertThat(assertDelivered("1.1.1.1").header("X-Country")).isEqualTo("/not-found");
    }
}
