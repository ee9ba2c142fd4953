// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class IpAddressTest {
    @ParameterizedTest
    @CsvSource({
            "2001:DB8:0:0:0:0:0:1, 2001:db8::1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "0:0:0:0:0:0:0:0, ::",
            "::1, ::1",
            "fe80::, fe80::",
            "CAFE:BABE::192.168.218.40, cafe:babe::c0a8:da28",
    })
    void ipv6IsWrittenAsRfc5952Says(String in, String out) {
        assertThat(IpAddress.client(in).orElseThrow().readable()).isEqualTo(out);
    }

    @Test
    void anIpv4MappedClientIsIpv4ButAnIp6NetworkStaysIpv6() {
        IpAddress mapped = IpAddress.client("::FFFF:1.2.3.4").orElseThrow();
        assertThat(mapped.isIpv6()).isFalse();
        assertThat(mapped.readable()).isEqualTo("1.2.3.4");
        assertThat(IpAddress.ip6Network("::ffff:1.2.3.4").isIpv6()).isTrue();
        assertThat(IpAddress.client("[IPv6:2001:db8::1]").orElseThrow().readable()).isEqualTo("2001:db8::1");
    }

    @Test
    void reverseNamesAndNetworks() {
        IpAddress v4 = IpAddress.client("192.0.2.200").orElseThrow();
        assertThat(v4.reverseName()).isEqualTo("200.2.0.192.in-addr.arpa");
        assertThat(IpAddress.client("2001:db8::1").orElseThrow().reverseName())
                .isEqualTo("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
        assertThat(v4.inNetwork(IpAddress.ip4Network("192.0.2.128"), 25)).isTrue();
        assertThat(v4.inNetwork(IpAddress.ip4Network("192.0.2.0"), 25)).isFalse();
        assertThat(v4.inNetwork(IpAddress.ip4Network("10.0.0.0"), 0)).isTrue();
        assertThat(v4.inNetwork(IpAddress.ip6Network("::"), 0)).as("families never mix").isFalse();
        IpAddress v6 = IpAddress.client("cafe:babe:8000::1").orElseThrow();
        assertThat(v6.inNetwork(IpAddress.ip6Network("cafe:babe:8000::"), 33)).isTrue();
        assertThat(v6.inNetwork(IpAddress.ip6Network("cafe:babe::"), 33)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.2.3", "1.2.3.4.5", "01.2.3.4", "256.1.1.1", "1.2.3.4:25", "1..2.3", " 1.2.3.4"})
    void recordIpv4NetworksAreStrict(String text) {
        assertThat(IpAddress.ip4Network(text)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {":CAFE::BABE", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "g::1", "::1.2.3", "1.2.3.4::"})
    void malformedIpv6IsRefused(String text) {
        assertThat(IpAddress.ip6Network(text)).isNull();
    }

    @Test
    void aClientThatIsNoAddressIsRefusedWithoutAnyLookup() {
        assertThat(IpAddress.client("mail.example.org")).isEmpty();
        assertThat(IpAddress.client("")).isEmpty();
    }
}
