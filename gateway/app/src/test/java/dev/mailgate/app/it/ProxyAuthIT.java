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
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * AUTH pass-through end to end: SmtpClient → the proxy ({@code auth: passthrough}) → a real
 * Postfix 3.7 that authenticates with Cyrus SASL against a private sasldb (written by
 * {@code saslpasswd2 -f}, read by the sasldb auxprop plugin inside smtpd) → SmtpSink. This
 * Postfix relays only for authenticated clients (loopback is not in mynetworks), so a message
 * getting through proves the downstream itself accepted the login; the policy stamps
 * {@code authUser} into a header, which proves the login reached the rules.
 *
 * <p>Debian's Postfix reads its SASL configuration from {@code $config_directory/sasl/smtpd.conf}
 * whatever {@code cyrus_sasl_config_path} says (seen with strace: the setting is ignored), so the
 * file goes there; the setting is kept for other builds. The client speaks plain text here
 * ({@code authTlsOnly: false}) because the testkit's client has no STARTTLS; the TLS-only default
 * is covered by AuthPassthroughTest in mailgate-smtp.
 */
class ProxyAuthIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String USER = "alice@test.invalid";
    static final String PASSWORD = "S3cret!pw";

    static Path dir;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static int proxyPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(Files.isExecutable(Path.of("/usr/sbin/saslpasswd2")), "saslpasswd2 is not installed (run .ci/deps/sasl.sh)");
        dir = Files.createTempDirectory("mailgate-proxy-auth-it", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        Path sasl = Files.createDirectories(dir.resolve("pfx/etc/sasl"));
        Path db = sasl.resolve("sasldb2");
        saslpasswd(db, USER.substring(0, USER.indexOf('@')), USER.substring(USER.indexOf('@') + 1), PASSWORD);
        Files.writeString(sasl.resolve("smtpd.conf"), "pwcheck_method: auxprop\nauxprop_plugin: sasldb\nmech_list: PLAIN LOGIN\nsasldb_path: " + db + "\n");
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                // loopback is not trusted: only an authenticated client may relay
                .setting("mynetworks", "192.0.2.1/32")
                .setting("smtpd_relay_restrictions", "permit_sasl_authenticated, reject_unauth_destination")
                .setting("smtpd_sasl_auth_enable", "yes")
                .setting("smtpd_sasl_type", "cyrus")
                .setting("smtpd_sasl_path", "smtpd")
                .setting("cyrus_sasl_config_path", sasl.toString())
                .start();
        String policy = """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 10s
                    auth: passthrough
                    authTlsOnly: false
                rules:
                  onMailFrom:
                    - if: authUser != "" && macro["auth_type"] == "PLAIN"
                      then:
                        - addHeader: "X-Auth-User: ${authUser} (PLAIN)"
                """.formatted(postfix.smtpPort());
        gateway = Gateway.start(() -> TestPolicies.parse("proxy-auth-it.yaml", policy));
        proxyPort = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
    }

    /** {@code saslpasswd2 -p -c -f FILE -u REALM USER}, the password on stdin; the file readable by smtpd (user postfix). */
    static void saslpasswd(Path db, String user, String realm, String password) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/usr/sbin/saslpasswd2", "-p", "-c", "-f", db.toString(), "-u", realm, user)
                .redirectErrorStream(true).start();
        try (var in = p.getOutputStream()) {
            in.write(password.getBytes(StandardCharsets.UTF_8));
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("saslpasswd2: %s", out).isZero();
        new ProcessBuilder("chown", "postfix", db.toString()).inheritIO().start().waitFor(10, TimeUnit.SECONDS);
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

    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    static String message(String subject) {
        return "From: <" + USER + ">\r\nTo: <b@example.invalid>\r\nSubject: " + subject + "\r\nMessage-Id: <" + System.nanoTime()
                + "@test.invalid>\r\n\r\nbody\r\n";
    }

    @Test
    void theRightPasswordIsAcceptedByPostfixAndTheLoginReachesTheRules() {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            assertThat(c.connect("127.0.0.1", proxyPort).code()).isEqualTo(220);
            // Postfix's own mechanisms (mech_list) as the proxy relays them
            assertThat(c.ehlo("client.test.invalid").texts()).contains("AUTH PLAIN LOGIN");
            assertThat(c.command("AUTH PLAIN " + b64("\0" + USER + "\0" + PASSWORD)).lastLine()).isEqualTo("235 2.7.0 Authentication successful");
            var t = c.send(USER, List.of("b@example.invalid"), message("authenticated"));
            assertThat(t.recipients().get(0).code()).isEqualTo(250);
            assertThat(t.data().lastLine()).contains("queued as");
            c.quit();
        }
        ReceivedMessage m = sink.awaitMessages(1, WAIT).get(0);
        assertThat(m.header("X-Auth-User")).isEqualTo(USER + " (PLAIN)");
        // Postfix checked the password itself and knows the user
        assertThat(postfix.awaitMaillog("sasl_method=PLAIN, sasl_username=" + USER, WAIT)).isNotEmpty();
    }

    @Test
    void aWrongPasswordGets535AndNothingIsRelayed() {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", proxyPort);
            c.ehlo("client.test.invalid");
            assertThat(c.command("AUTH LOGIN").lastLine()).isEqualTo("334 VXNlcm5hbWU6");
            assertThat(c.command(b64(USER)).lastLine()).isEqualTo("334 UGFzc3dvcmQ6");
            SmtpResponse refused = c.command(b64("not the password"));
            assertThat(refused.code()).isEqualTo(535);
            assertThat(refused.lastLine()).startsWith("535 5.7.8");
            // not authenticated: Postfix refuses to relay, and the proxy relays its refusal
            assertThat(c.mail(USER).code()).isEqualTo(250);
            SmtpResponse rcpt = c.rcpt("b@example.invalid");
            assertThat(rcpt.code()).isEqualTo(554);
            assertThat(rcpt.lastLine()).contains("Relay access denied");
            c.quit();
        }
        assertThat(postfix.awaitMaillog("SASL LOGIN authentication failed", WAIT)).isNotEmpty();
        assertThat(sink.messages()).isEmpty();
    }
}
