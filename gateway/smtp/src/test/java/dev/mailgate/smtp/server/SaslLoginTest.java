// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.smtp.codec.SmtpRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** The login a SASL exchange names, per mechanism, and which mechanisms are relayed at all. */
class SaslLoginTest {
    static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void onlyMechanismsThatNameTheUserAndSurviveAProxyAreRelayed() {
        assertThat(SaslLogin.relayable("plain")).isTrue();
        assertThat(SaslLogin.relayable("LOGIN")).isTrue();
        assertThat(SaslLogin.relayable("CRAM-MD5")).isTrue();
        assertThat(SaslLogin.relayable("SCRAM-SHA-256")).isTrue();
        assertThat(SaslLogin.relayable("SCRAM-SHA-256-PLUS")).isFalse(); // channel binding to our TLS, not the downstream's
        assertThat(SaslLogin.relayable("GSSAPI")).isFalse();
        assertThat(SaslLogin.relayable("NTLM")).isFalse();
        assertThat(SaslLogin.relayable("XOAUTH2")).isFalse();
    }

    @Test
    void plainNamesTheAuthenticationIdentityOrTheAuthorizationOneWhenGiven() {
        assertThat(SaslLogin.from("PLAIN", 0, b64("\0alice@test.invalid\0secret"))).isEqualTo("alice@test.invalid");
        assertThat(SaslLogin.from("PLAIN", 0, b64("shared@test.invalid\0alice\0secret"))).isEqualTo("shared@test.invalid");
        assertThat(SaslLogin.from("PLAIN", 0, b64("no separators"))).isNull();
        assertThat(SaslLogin.from("PLAIN", 1, b64("\0alice\0secret"))).isNull();
    }

    @Test
    void loginCramAndScramNameTheUserInTheirFirstMessage() {
        assertThat(SaslLogin.from("LOGIN", 0, b64("bob"))).isEqualTo("bob");
        assertThat(SaslLogin.from("LOGIN", 1, b64("the password"))).isNull();
        assertThat(SaslLogin.from("CRAM-MD5", 0, b64("bob b913a602c7eda7a495b4e6e7334d3890"))).isEqualTo("bob");
        assertThat(SaslLogin.from("SCRAM-SHA-256", 0, b64("n,,n=user=2Cname=3Dx,r=rOprNGfwEbeRWgbNEkqO"))).isEqualTo("user,name=x");
        assertThat(SaslLogin.from("SCRAM-SHA-1", 0, b64("n,a=admin,n=bob,r=abc"))).isEqualTo("admin");
    }

    @Test
    void whatIsNotBase64NamesNobody() {
        assertThat(SaslLogin.isBase64("=")).isTrue();
        assertThat(SaslLogin.isBase64("AGFsaWNlAHB3")).isTrue();
        assertThat(SaslLogin.isBase64("not base64!")).isFalse();
        assertThat(SaslLogin.isBase64("abc")).isFalse();
        assertThat(SaslLogin.from("LOGIN", 0, "b@d")).isNull();
        assertThat(SaslLogin.from("LOGIN", 0, "=")).isNull(); // empty login
        assertThat(SaslLogin.from("LOGIN", 0, b64("line\nbreak"))).isNull();
    }

    @Test
    void aCommandNeverShowsItsArgumentInLogsAndKeepsTheClientsCase() {
        SmtpRequest.Command c = SmtpRequest.Command.parse("dXNlcg==");
        assertThat(c.verb()).isEqualTo("DXNLCG==");
        assertThat(c.text()).isEqualTo("dXNlcg==");
        SmtpRequest.Command auth = SmtpRequest.Command.parse("auth PLAIN AGFsaWNlAFMzY3JldA==");
        assertThat(auth.toString()).doesNotContain("AGFsaWNl");
        assertThat(auth).isEqualTo(new SmtpRequest.Command("AUTH", "PLAIN AGFsaWNlAFMzY3JldA=="));
    }
}
