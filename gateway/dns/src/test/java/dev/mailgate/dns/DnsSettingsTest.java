// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DnsSettingsTest {
    @Test
    void serversAreAddressesWithOptionalPorts() {
        assertThat(DnsSettings.parseServer("127.0.0.1")).isEqualTo(new InetSocketAddress("127.0.0.1", 53));
        assertThat(DnsSettings.parseServer("127.0.0.1:5353")).isEqualTo(new InetSocketAddress("127.0.0.1", 5353));
        assertThat(DnsSettings.parseServer("::1").getPort()).isEqualTo(53);
        assertThat(DnsSettings.parseServer("[::1]:5353")).isEqualTo(new InetSocketAddress("::1", 5353));
        assertThat(DnsSettings.parseServer("2001:db8::53").getAddress().getHostAddress()).isEqualTo("2001:db8:0:0:0:0:0:53");
    }

    @Test
    void badServersAreRefusedWithTheReason() {
        assertThatThrownBy(() -> DnsSettings.parseServer("dns.example.org")).hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> DnsSettings.parseServer("127.0.0.1:0")).hasMessageContaining("1..65535");
        assertThatThrownBy(() -> DnsSettings.parseServer("127.0.0.1:x")).hasMessageContaining("1..65535");
        assertThatThrownBy(() -> DnsSettings.parseServer("[::1")).hasMessageContaining("']'");
        assertThatThrownBy(() -> DnsSettings.parseServer("[::1]53")).hasMessageContaining("':port'");
    }

    @Test
    void eachAttemptGetsItsShareOfTheDeadline() {
        DnsSettings s = DnsSettings.of(List.of(new InetSocketAddress("127.0.0.1", 53))).withTimeout(Duration.ofSeconds(3)).withRetries(2);
        assertThat(s.attemptTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThatThrownBy(() -> DnsSettings.of(List.of())).hasMessageContaining("no DNS server");
    }

    @Test
    void theSystemConfigurationNamesAtLeastOneServer() {
        assertThat(DnsSettings.systemServers()).isNotEmpty();
    }
}
