// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SpfHeadersTest {
    @Test
    void hostileValuesAreQuotedAndCannotEndTheField() {
        SpfHeaders.Check c = new SpfHeaders.Check(SpfResult.PERMERROR, "mailfrom", "\"evil\"@x.example", "x.example", "",
                "bad (record) \\ \"quote\"\r\nX-Injected: yes \u00e9");
        String v = SpfHeaders.receivedSpf(c, "mx.test", "2001:db8::1", "helo (fake)");
        assertThat(v).doesNotContain("\r").doesNotContain("\n");
        assertThat(v).startsWith("permerror (mx.test: permanent error in the SPF record of domain of \"evil\"@x.example) ");
        assertThat(v).contains("client-ip=\"2001:db8::1\"");
        assertThat(v).contains("envelope-from=\"\\\"evil\\\"@x.example\"");
        assertThat(v).contains("helo=\"helo (fake)\"");
        assertThat(v).contains("problem=\"bad (record) \\\\ \\\"quote\\\"??X-Injected: yes ?\";");
    }

    @Test
    void commentsEscapeParentheses() {
        SpfHeaders.Check c = new SpfHeaders.Check(SpfResult.FAIL, "mailfrom", "a(b)@x.example", "x.example", "-all", "");
        assertThat(SpfHeaders.receivedSpf(c, "mx.test", "192.0.2.1", ""))
                .isEqualTo("fail (mx.test: domain of a\\(b\\)@x.example does not designate 192.0.2.1 as permitted sender)"
                        + " receiver=mx.test; client-ip=192.0.2.1; envelope-from=\"a(b)@x.example\"; identity=mailfrom; mechanism=-all;");
    }

    @Test
    void authenticationResultsHasOneResinfoPerIdentity() {
        var mail = new SpfHeaders.Check(SpfResult.SOFTFAIL, "mailfrom", "a@x.example", "x.example", "~all", "");
        var helo = new SpfHeaders.Check(SpfResult.NONE, "helo", "postmaster@[192.0.2.1]", "[192.0.2.1]", "", "");
        assertThat(SpfHeaders.authenticationResults("mx.test", List.of(mail, helo)))
                .isEqualTo("mx.test; spf=softfail smtp.mailfrom=x.example; spf=none smtp.helo=\"[192.0.2.1]\"");
    }
}
