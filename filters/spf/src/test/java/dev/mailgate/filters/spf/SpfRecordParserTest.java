// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SpfRecordParserTest {
    @Test
    void aRecordIsParsedIntoDirectivesAndModifiers() throws SpfException {
        SpfRecord r = SpfRecordParser.parse("v=spf1 +a:%{d}.example.com/24//64 -mx ~ptr ?ip4:192.0.2.0/24 "
                + "ip6:2001:db8::/32 exists:%{ir}.bl.example include:_spf.example.net -ALL redirect=_spf.%{d} exp=why.%{d} x-v=1  ");
        assertThat(r.directives()).extracting(SpfRecord.Directive::qualifier).containsExactly('+', '-', '~', '?', '+', '+', '+', '-');
        SpfRecord.A a = (SpfRecord.A) r.directives().get(0).mechanism();
        assertThat(a.domain().toString()).isEqualTo("%{d}.example.com");
        assertThat(a.cidr4()).isEqualTo(24);
        assertThat(a.cidr6()).isEqualTo(64);
        assertThat(((SpfRecord.Mx) r.directives().get(1).mechanism()).cidr4()).as("default").isEqualTo(32);
        assertThat(((SpfRecord.Ip6) r.directives().get(4).mechanism()).prefix()).isEqualTo(32);
        assertThat(r.directives().get(7).mechanism()).isInstanceOf(SpfRecord.All.class);
        assertThat(r.redirect().toString()).isEqualTo("_spf.%{d}");
        assertThat(r.exp().toString()).isEqualTo("why.%{d}");
        assertThat(r.directives()).filteredOn(d -> d.mechanism().queriesDns()).hasSize(5);
    }

    @Test
    void versionMustBeFollowedBySpaceOrEnd() {
        assertThat(SpfRecordParser.isSpfRecord("v=spf1")).isTrue();
        assertThat(SpfRecordParser.isSpfRecord("V=SPF1 -all")).isTrue();
        assertThat(SpfRecordParser.isSpfRecord("v=spf10")).isFalse();
        assertThat(SpfRecordParser.isSpfRecord("v=spf1mx")).isFalse();
        assertThat(SpfRecordParser.isSpfRecord("spf2.0/pra -all")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "v=spf1 -all moo", "v=spf1 -redirect=x.example", "v=spf1 a:", "v=spf1 a:example.com/33", "v=spf1 a//129",
            "v=spf1 a/032", "v=spf1 ip4:192.0.2.1/24/24", "v=spf1 ip6:::1//64", "v=spf1 ptr/24", "v=spf1 include:x.example/24",
            "v=spf1 exists", "v=spf1 all:x", "v=spf1 a:foo.1", "v=spf1 a:museum", "v=spf1 a:x.-com", "v=spf1 a:%{d}x.", "v=spf1 a:x.%{d}..",
            "v=spf1 exp=a.example exp=b.example", "v=spf1 redirect=", "v=spf1 foo=%q", "v=spf1 1x=y", "v=spf1 \tall",
            "v=spf1 a:caf\u00e9.example", "v=spf1 exp=%{c}.example"})
    void syntaxErrorsArePermErrors(String record) {
        assertThatThrownBy(() -> SpfRecordParser.parse(record)).isInstanceOf(SpfException.class)
                .satisfies(e -> assertThat(((SpfException) e).result()).isEqualTo(SpfResult.PERMERROR));
    }

    @Test
    void domainSpecsMayHoldAnyVisibleCharacterAndEndInAMacro() throws SpfException {
        assertThat(((SpfRecord.A) SpfRecordParser.parse("v=spf1 a:foo:bar/baz.example.com").directives().get(0).mechanism())
                .domain().toString()).isEqualTo("foo:bar/baz.example.com");
        assertThat(SpfRecordParser.parse("v=spf1 a:%{H} exists:x.%{d}.").directives()).hasSize(2);
        assertThat(SpfRecordParser.parse("v=spf1 a:foo.example.xn--zckzah").directives()).hasSize(1);
    }
}
