// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static dev.mailgate.smtp.server.SaslLoginTest.b64;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.StandardVars;
import dev.mailgate.core.session.Session;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AUTH through the proxy to a {@link FakeDownstream} that checks PLAIN and LOGIN itself: what is
 * offered and when, the exchange relayed line by line, the login the pipeline then sees, and
 * the refusals, cancellations and bounds.
 */
class AuthPassthroughTest {
    static final String PLAIN_OK = b64("\0" + FakeDownstream.USER + "\0" + FakeDownstream.PASSWORD);
    static final String PLAIN_WRONG = b64("\0" + FakeDownstream.USER + "\0wrong");

    @TempDir
    Path dir;
    FakeDownstream downstream;
    final List<TestProxy> proxies = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        // GSSAPI and SCRAM-SHA-256-PLUS cannot be relayed; SCRAM-SHA-1 here challenges forever
        downstream = new FakeDownstream(null, "8BITMIME", "AUTH GSSAPI PLAIN LOGIN SCRAM-SHA-256-PLUS SCRAM-SHA-1");
    }

    @AfterEach
    void stop() throws Exception {
        proxies.forEach(TestProxy::close);
        downstream.close();
    }

    private TestProxy proxy(String listenerExtra, String rules) throws Exception {
        TestProxy p = TestProxy.start(downstream.port(), listenerExtra, rules);
        proxies.add(p);
        return p;
    }

    private TestClient greeted(TestProxy p) throws Exception {
        TestClient c = p.client();
        assertThat(c.reply()).startsWith("220 ");
        return c;
    }

    private boolean downstreamSawAuth() {
        return downstream.lines.stream().anyMatch(l -> l.startsWith("AUTH"));
    }

    @Test
    void refusedByDefaultAndNeverOffered() throws Exception {
        try (TestClient c = greeted(proxy("", ""))) {
            assertThat(c.command("EHLO client.test")).noneMatch(l -> l.contains("AUTH"));
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("502 5.5.1 Error: command not implemented");
        }
        assertThat(downstreamSawAuth()).isFalse();
    }

    @Test
    void offeredOnlyInsideTlsByDefaultWithTheMechanismsThatCanBeRelayed() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "RSA", true);
        TestProxy p = proxy("    auth: passthrough\n    tlsCertificate: " + cert.certFile() + "\n    tlsKey: " + cert.keyFile() + "\n", "");
        try (TestClient c = greeted(p)) {
            assertThat(c.command("EHLO client.test")).noneMatch(l -> l.contains("AUTH"));
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("530 5.7.0 Must issue a STARTTLS command first");
            assertThat(c.command("STARTTLS")).containsExactly("220 2.0.0 Ready to start TLS");
            c.startTls(cert);
            assertThat(c.command("EHLO client.test")).contains("250-AUTH PLAIN LOGIN SCRAM-SHA-1");
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("235 2.7.0 Authentication successful");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("250 ok");
        }
        assertThat(downstream.lines).containsOnlyOnce("AUTH PLAIN " + PLAIN_OK);
        assertThat(p.sessions.get(0).get(StandardVars.AUTH_USER)).isEqualTo(FakeDownstream.USER);
    }

    @Test
    void withoutACertificateAndTlsOnlyAuthIsNotEnabledAtAll() throws Exception {
        try (TestClient c = greeted(proxy("    auth: passthrough\n", ""))) {
            assertThat(c.command("EHLO client.test")).noneMatch(l -> l.contains("AUTH"));
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("503 5.5.1 Error: authentication not enabled");
        }
        assertThat(downstreamSawAuth()).isFalse();
    }

    @Test
    void loginIsRelayedLineByLineAndTheLoginReachesRulesAndMacros() throws Exception {
        TestProxy p = proxy("    auth: passthrough\n    authTlsOnly: false\n", """
                rules:
                  onMailFrom:
                    - if: authUser == "%s" && macro["auth_type"] == "LOGIN"
                      then: { reject: "550 5.7.1 seen ${authUser}" }
                """.formatted(FakeDownstream.USER));
        try (TestClient c = greeted(p)) {
            assertThat(c.command("EHLO client.test")).contains("250-AUTH PLAIN LOGIN SCRAM-SHA-1");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("250 ok"); // not yet authenticated
            assertThat(c.command("RSET")).containsExactly("250 ok");
            assertThat(c.command("AUTH LOGIN")).containsExactly("334 VXNlcm5hbWU6");
            assertThat(c.command(b64(FakeDownstream.USER))).containsExactly("334 UGFzc3dvcmQ6");
            assertThat(c.command(b64(FakeDownstream.PASSWORD))).containsExactly("235 2.7.0 Authentication successful");
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("503 5.5.1 Error: already authenticated");
            assertThat(c.command("EHLO client.test")).noneMatch(l -> l.contains("AUTH"));
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("550 5.7.1 seen " + FakeDownstream.USER);
        }
        // the password crossed as the client wrote it (base64 is case-sensitive)
        assertThat(downstream.lines).contains("AUTH LOGIN", b64(FakeDownstream.USER), b64(FakeDownstream.PASSWORD));
        Session s = p.sessions.get(0);
        assertThat(s.macro("{auth_authen}")).contains(FakeDownstream.USER);
        assertThat(s.macro("{auth_type}")).contains("LOGIN");
    }

    @Test
    void aWrongPasswordIsTheDownstreamsRefusalThroughOnDeliveryFailureAndRecordsNoLogin() throws Exception {
        TestProxy p = proxy("    auth: passthrough\n    authTlsOnly: false\n", """
                rules:
                  onDeliveryFailure:
                    - if: deliveryCommand == "AUTH"
                      then:
                        - report: AUTH_FAILED
                        - smtpExplanation: "wrong name or password"
                scores:
                  AUTH_FAILED: 3
                """);
        try (TestClient c = greeted(p)) {
            c.command("EHLO client.test");
            // the downstream's code and enhanced status, the policy's words
            assertThat(c.command("AUTH PLAIN " + PLAIN_WRONG)).containsExactly("535 5.7.8 wrong name or password");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("250 ok");
            assertThat(c.command("RSET")).containsExactly("250 ok");
            // a failure does not use up the session: the right password still works
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("235 2.7.0 Authentication successful");
        }
        Session s = p.sessions.get(0);
        assertThat(s.get(StandardVars.AUTH_USER)).isEmpty(); // the only MAIL came before the successful AUTH
        assertThat(s.macro("{auth_authen}")).contains(FakeDownstream.USER);
    }

    @Test
    void theClientMayCancelWithAStar() throws Exception {
        try (TestClient c = greeted(proxy("    auth: passthrough\n    authTlsOnly: false\n", ""))) {
            c.command("EHLO client.test");
            assertThat(c.command("AUTH LOGIN")).containsExactly("334 VXNlcm5hbWU6");
            assertThat(c.command("*")).containsExactly("501 5.7.0 Authentication aborted");
            assertThat(c.command("NOOP")).containsExactly("250 2.0.0 Ok"); // a command again, not an answer
        }
        assertThat(downstream.lines).containsSequence("AUTH LOGIN", "*");
    }

    @Test
    void endlessChallengesAreCutOffAndCancelledDownstream() throws Exception {
        try (TestClient c = greeted(proxy("    auth: passthrough\n    authTlsOnly: false\n", ""))) {
            c.command("EHLO client.test");
            List<String> reply = c.command("AUTH SCRAM-SHA-1 " + b64("n,,n=alice,r=abc"));
            int challenges = 0;
            while (reply.get(0).startsWith("334 ")) {
                challenges++;
                reply = c.command(b64("more"));
            }
            assertThat(challenges).isEqualTo(AuthCommands.MAX_CHALLENGES);
            assertThat(reply).containsExactly("501 5.7.0 Error: authentication aborted");
            assertThat(c.command("NOOP")).containsExactly("250 2.0.0 Ok");
        }
        assertThat(downstream.lines).contains("*");
    }

    @Test
    void whatCannotBeRelayedNeverReachesTheDownstream() throws Exception {
        try (TestClient c = greeted(proxy("    auth: passthrough\n    authTlsOnly: false\n", ""))) {
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("503 5.5.1 Error: send HELO/EHLO first");
            c.command("EHLO client.test");
            assertThat(c.command("AUTH GSSAPI")).containsExactly("504 5.5.4 Unrecognized authentication type");
            assertThat(c.command("AUTH SCRAM-SHA-256-PLUS")).containsExactly("504 5.5.4 Unrecognized authentication type");
            assertThat(c.command("AUTH PLAIN not-base64!")).containsExactly("501 5.5.2 Cannot decode response");
            assertThat(c.command("AUTH")).containsExactly("501 5.5.4 Syntax: AUTH mechanism [initial-response]");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).containsExactly("250 ok");
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("503 5.5.1 Error: MAIL transaction in progress");
        }
        assertThat(downstreamSawAuth()).isFalse();
    }

    @Test
    void aHeloClientIsNotOfferedAuth() throws Exception {
        try (TestClient c = greeted(proxy("    auth: passthrough\n    authTlsOnly: false\n", ""))) {
            assertThat(c.command("HELO client.test")).containsExactly("250 proxy.test.invalid");
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("503 5.5.1 Error: authentication not enabled");
        }
        assertThat(downstreamSawAuth()).isFalse();
    }

    @Test
    void startTlsAfterAuthIsRefused() throws Exception {
        TestCertificate cert = TestCertificate.create(dir, "RSA", true);
        TestProxy p = proxy("    auth: passthrough\n    authTlsOnly: false\n    tlsCertificate: " + cert.certFile()
                + "\n    tlsKey: " + cert.keyFile() + "\n", "");
        try (TestClient c = greeted(p)) {
            c.command("EHLO client.test");
            assertThat(c.command("AUTH PLAIN " + PLAIN_OK)).containsExactly("235 2.7.0 Authentication successful");
            assertThat(c.command("STARTTLS")).containsExactly("503 5.5.1 Error: STARTTLS after AUTH is not possible");
        }
    }
}
