// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Macro expansion (RFC 7208 §7), with the examples of §7.4. */
class MacroStringTest {
    private static final IpAddress V4 = IpAddress.client("192.0.2.3").orElseThrow();
    private static final IpAddress V6 = IpAddress.client("2001:db8::cb01").orElseThrow();

    private static MacroString.Values values(IpAddress ip) {
        return letter -> switch (letter) {
            case 's' -> "strong-bad@email.example.com";
            case 'l' -> "strong-bad";
            case 'o', 'd' -> "email.example.com";
            case 'i' -> ip.dotted();
            case 'v' -> ip.version();
            case 'c' -> ip.readable();
            case 'h' -> "mx.example.org";
            default -> "unknown";
        };
    }

    private static String expand(String text, MacroString.Kind kind, IpAddress ip) throws SpfException {
        return MacroString.parse(text, kind).expand(values(ip));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "%{s}                              | strong-bad@email.example.com",
            "%{o}                              | email.example.com",
            "%{d4}                             | email.example.com",
            "%{d3}                             | email.example.com",
            "%{d2}                             | example.com",
            "%{d1}                             | com",
            "%{dr}                             | com.example.email",
            "%{d2r}                            | example.email",
            "%{l}                              | strong-bad",
            "%{l-}                             | strong.bad",
            "%{lr}                             | strong-bad",
            "%{lr-}                            | bad.strong",
            "%{l1r-}                           | strong",
            "%{ir}.%{v}._spf.%{d2}             | 3.2.0.192.in-addr._spf.example.com",
            "%{lr-}.lp._spf.%{d2}              | bad.strong.lp._spf.example.com",
            "%{lr-}.lp.%{ir}.%{v}._spf.%{d2}   | bad.strong.lp.3.2.0.192.in-addr._spf.example.com",
            "%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}  | 3.2.0.192.in-addr.strong.lp._spf.example.com",
            "%{d2}.trusted-domains.example.net | example.com.trusted-domains.example.net",
            "%{d02}                            | example.com",
    })
    void rfc7208Section74Examples(String macro, String expected) throws SpfException {
        assertThat(expand(macro, MacroString.Kind.DOMAIN, V4)).isEqualTo(expected);
    }

    @Test
    void ipv6IsThirtyTwoNibbles() throws SpfException {
        // RFC 7208 §7.4 writes the nibbles in lower case; case does not matter to DNS
        assertThat(expand("%{ir}.%{v}._spf.%{d2}", MacroString.Kind.DOMAIN, V6))
                .isEqualToIgnoringCase("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
        assertThat(expand("%{c}", MacroString.Kind.EXPLANATION, V6)).isEqualTo("2001:db8::cb01");
    }

    @Test
    void upperCaseLettersAreUrlEscapedAndEscapesExpand() throws SpfException {
        assertThat(MacroString.parse("%{L}=%{s}", MacroString.Kind.DOMAIN)
                .expand(l -> l == 'l' ? "a b&c~d/é" : "x")).isEqualTo("a%20b%26c~d%2F%C3%A9=x");
        assertThat(expand("%%%_%-", MacroString.Kind.DOMAIN, V4)).isEqualTo("% %20");
        assertThat(expand("see %{h} at %{c}", MacroString.Kind.EXPLANATION, V4)).isEqualTo("see mx.example.org at 192.0.2.3");
    }

    @Test
    void transformersKeepAllPartsWhenAskedForMore() throws SpfException {
        assertThat(expand("%{d99999}", MacroString.Kind.DOMAIN, V4)).isEqualTo("email.example.com");
        assertThat(expand("%{l+-}", MacroString.Kind.DOMAIN, V4)).isEqualTo("strong.bad");
    }

    @ParameterizedTest
    @ValueSource(strings = {"%{d0}", "%{x}", "%{c}", "%{r}", "%{t}", "%{", "100%", "%a", "%{d2q}", "a b", "tab\tx", "%{}"})
    void syntaxErrorsInADomainSpecAreRefused(String text) {
        assertThatThrownBy(() -> MacroString.parse(text, MacroString.Kind.DOMAIN)).isInstanceOf(SpfException.class)
                .satisfies(e -> assertThat(((SpfException) e).result()).isEqualTo(SpfResult.PERMERROR));
    }

    @Test
    void explanationsMayUseSpacesAndTheExpOnlyLetters() throws SpfException {
        MacroString m = MacroString.parse("%{c} at %{t} by %{r}", MacroString.Kind.EXPLANATION);
        assertThat(m.expand(l -> String.valueOf(l))).isEqualTo("c at t by r");
        assertThat(m.endsWithMacro()).isTrue();
        assertThat(MacroString.parse("%{d}.com", MacroString.Kind.DOMAIN).trailingLiteral()).isEqualTo(".com");
    }
}
