// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.IpNetwork;
import org.junit.jupiter.api.Test;

class DnsNamesTest {
    @Test
    void ipv4IsReversedOctetByOctet() {
        assertThat(DnsNames.reversed("192.0.2.1")).isEqualTo("1.2.0.192");
        assertThat(DnsNames.reversed("127.0.0.2")).isEqualTo("2.0.0.127");
        assertThat(DnsNames.ptrName("192.0.2.10")).isEqualTo("10.2.0.192.in-addr.arpa");
    }

    @Test
    void ipv6IsReversedNibbleByNibble() {
        // RFC 5782 §5: the IPv6 test point ::FFFF:7F00:2
        assertThat(DnsNames.reversed("::FFFF:7F00:2"))
                .isEqualTo("2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0");
        assertThat(DnsNames.ptrName("2001:db8::1"))
                .isEqualTo("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
        assertThat(DnsNames.reversed("2001:db8::1").split("\\.")).hasSize(32);
    }

    @Test
    void notAnAddressIsRefused() {
        assertThatThrownBy(() -> DnsNames.reversed("mail.example.org")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("mail.example.org");
        assertThatThrownBy(() -> DnsNames.ptrName("1.2.3")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void addressesAreFormattedAsRfc5952Says() {
        assertThat(fmt("2001:0db8:0000:0000:0000:0000:0000:0001")).isEqualTo("2001:db8::1");
        assertThat(fmt("2001:db8:0:1:0:0:0:1")).isEqualTo("2001:db8:0:1::1"); // the longest run
        assertThat(fmt("2001:db8:0:0:1:0:0:1")).isEqualTo("2001:db8::1:0:0:1"); // the first of equal runs
        assertThat(fmt("2001:db8:0:1:1:1:1:1")).isEqualTo("2001:db8:0:1:1:1:1:1"); // one zero group stays
        assertThat(fmt("::")).isEqualTo("::");
        assertThat(fmt("::1")).isEqualTo("::1");
        assertThat(fmt("fe80::")).isEqualTo("fe80::");
        assertThat(fmt("::ffff:127.0.0.2")).isEqualTo("::ffff:127.0.0.2");
        assertThat(fmt("192.0.2.1")).isEqualTo("192.0.2.1");
        assertThat(DnsNames.canonicalAddress("[IPv6:2001:DB8::A]")).isEqualTo("2001:db8::a");
        assertThat(DnsNames.canonicalAddress("example.org")).isNull();
    }

    private static String fmt(String ip) {
        return DnsNames.format(DnsNames.address(ip));
    }

    @Test
    void addressLiteralsAreParsedWithoutDns() {
        assertThat(DnsNames.address("192.0.2.1")).containsExactly(192, 0, 2, 1);
        assertThat(DnsNames.address("[192.0.2.1]")).containsExactly(192, 0, 2, 1);
        assertThat(DnsNames.address("[IPv6:::1]")).hasSize(16);
        assertThat(DnsNames.address("::ffff:127.0.0.2")).hasSize(16); // stays IPv6, unlike InetAddress
        assertThat(DnsNames.address("1:2:3:4:5:6:7:8")).isEqualTo(IpNetwork.literal("1:2:3:4:5:6:7:8"));
        assertThat(DnsNames.address("1::")).isEqualTo(IpNetwork.literal("1::"));
        for (String bad : new String[] {"1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::", "g::", "1:2:3:4:5:6:7::8",
                "::1.2.3", "::256.0.0.1", "example.org", "", "1.2.3", "[]", ":"}) {
            assertThat(DnsNames.address(bad)).as(bad).isNull();
        }
    }

    @Test
    void namesAreNormalizedOrRefused() {
        assertThat(DnsNames.normalize("Mail.Example.ORG.")).isEqualTo("mail.example.org");
        assertThat(DnsNames.normalize("bücher.example")).isEqualTo("xn--bcher-kva.example");
        assertThat(DnsNames.normalize("a..b")).isNull();
        assertThat(DnsNames.normalize("")).isNull();
        assertThat(DnsNames.normalize(".")).isNull();
        assertThat(DnsNames.normalize("x".repeat(63) + ".test")).isNotNull();
        assertThat(DnsNames.normalize("x".repeat(64) + ".test")).isNull();
        assertThat(DnsNames.normalize(("a".repeat(60) + ".").repeat(5))).isNull(); // 305 octets
    }

    @Test
    void hostNames() {
        assertThat(DnsNames.isHostName("mail.example.org")).isTrue();
        assertThat(DnsNames.isHostName("MAIL-1.example.org.")).isTrue();
        assertThat(DnsNames.isHostName("localhost")).isFalse(); // one label
        assertThat(DnsNames.isHostName("-bad.example.org")).isFalse();
        assertThat(DnsNames.isHostName("bad-.example.org")).isFalse();
        assertThat(DnsNames.isHostName("under_score.example.org")).isFalse();
        assertThat(DnsNames.isHostName("192.0.2.1")).isFalse(); // an address, not a name
        assertThat(DnsNames.isHostName("[192.0.2.1]")).isFalse();
        assertThat(DnsNames.isHostName("a b.example")).isFalse();
    }
}
