// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.dnsbl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.FilterFactory;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.dns.testing.ZoneResolver;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Settings: what loads, and every mistake refused with its position. */
class DnsblFilterFactoryTest {
    private static Policy load(String yaml) {
        return DnsSession.load(yaml, new ZoneResolver());
    }

    private static void refused(String filterSettings, String position, String message) {
        assertThatThrownBy(() -> load("filters:\n  - dnsbl:\n" + filterSettings))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("dnsbl.yaml:" + position + ":")
                .hasMessageContaining(message);
    }

    @Test
    void isFoundByTheServiceLoader() {
        List<String> types = ServiceLoader.load(FilterFactory.class).stream().map(p -> p.get().type()).toList();
        assertThat(types).contains("dnsbl");
    }

    @Test
    void aFullConfigurationLoadsAndRulesMayReadTheVariables() {
        Policy p = load("""
                filters:
                  - dnsbl:
                      zones:
                        - zen.example.org
                        - bl.example.net symbol=EXAMPLE_BL 127.0.0.2=EXAMPLE_SPAM 127.0.0.4/30=EXAMPLE_PROXY
                        - "multi.example.com &2=MULTI_SPAM &0.0.0.4=MULTI_PHISH"
                      domains: [dbl.example.org, "rhs.example.org from"]
                      allow: [list.dnswl.example]
                      allowAction: accept
                      txt: false
                      budget: 3s
                      timeout: 5s
                rules:
                  onConnect:
                    - if: DNSBLServer != "" && "EXAMPLE_PROXY" in dnsbl.meanings
                      then: { reject: "554 5.7.1 ${DNSBLServer} ${DNSBLResult} ${DNSBLExplanation}" }
                  onMailFrom:
                    - if: dnsbl.fromListedBy != "" || dnsbl.heloListedBy != ""
                      then: reject
                """);
        assertThat(p.chain()).hasSize(1);
        assertThat(p.chain().get(0).filter().stages()).hasSize(3);
    }

    @Test
    void aRuleCannotReadTheMailFromResultAtConnect() {
        assertThatThrownBy(() -> load("""
                filters:
                  - dnsbl: { domains: [dbl.example.org] }
                rules:
                  onConnect:
                    - if: dnsbl.fromListedBy != ""
                      then: reject
                """)).isInstanceOf(PolicyException.class).hasMessageStartingWith("dnsbl.yaml:5:");
    }

    @Test
    void mistakesAreRefusedWhereTheyAre() {
        refused("      zones: []\n", "3", "at least one list");
        refused("      zones: [\"bl..example\"]\n", "3", "not a DNS zone");
        refused("      zones: [\"bl.example 127.0.0.2\"]\n", "3", "unknown option '127.0.0.2'");
        refused("      zones: [\"bl.example 127.0.0.2=spam\"]\n", "3", "UPPER_SNAKE");
        refused("      zones: [\"bl.example 127.0.0.300=SPAM\"]\n", "3", "127.0.0.300");
        refused("      zones: [\"bl.example 2001:db8::/32=SPAM\"]\n", "3", "IPv4");
        refused("      zones: [\"bl.example &256=SPAM\"]\n", "3", "1..255");
        refused("      zones: [\"bl.example &x=SPAM\"]\n", "3", "not a mask");
        refused("      zones: [\"bl.example 127.0.0.2=A 127.0.0.2=B\"]\n", "3", "given twice");
        refused("      zones: [\"bl.example symbol=lower\"]\n", "3", "UPPER_SNAKE");
        refused("      zones: [\"bl.example helo\"]\n", "3", "domain lists");
        refused("      zones: [bl.example, BL.example.]\n", "3", "listed twice");
        refused("      zones: [bl.example]\n      allowAction: maybe\n", "4", "accept, skip or continue");
        refused("      zones: [bl.example]\n      budget: 0s\n", "4", "positive");
        refused("      zones: [bl.example]\n      budget: 10s\n      timeout: 5s\n", "4", "shorter than the filter's timeout");
        refused("      zone: [bl.example]\n", "3", "unknown key 'zone'");
    }
}
