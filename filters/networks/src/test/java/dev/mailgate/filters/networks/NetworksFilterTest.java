// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.networks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Verdict;
import dev.mailgate.testkit.FilterHarness;
import org.junit.jupiter.api.Test;

class NetworksFilterTest {
    static final String POLICY = """
            networks:
              trusted: [10.0.0.0/8, "2001:db8::/32"]
            filters:
              - networks:
                  accept: [trusted, 127.0.0.1]
                  reject: [10.66.0.0/16, 192.0.2.0/24]
            rules:
              onMailFrom:
                - then: { reject: "550 5.7.1 rules still run" }
            """;

    private static FilterHarness connect(String ip) {
        return FilterHarness.of(POLICY, new NetworksFilterFactory()).connect(ip);
    }

    @Test
    void trustedClientsAreAcceptedAndSkipEverythingElse() {
        FilterHarness h = connect("10.1.2.3");
        assertThat(h.last().verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(h.get(NetworksFilter.MATCH)).isEqualTo("accept");
        assertThat(h.get(NetworksFilter.RANGE)).isEqualTo("trusted");
        assertThat(h.mailFrom("a@b.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(connect("2001:db8::25").last().verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(connect("127.0.0.1").last().verdict()).isEqualTo(Verdict.ACCEPT);
    }

    @Test
    void theMostSpecificNetworkWins() {
        FilterHarness h = connect("10.66.1.1");
        assertThat(h.last().verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) h.last().verdict()).reply().toWireText()).isEqualTo("554 5.7.1 Access denied for your network");
    }

    @Test
    void otherClientsAreLeftToTheRestOfThePolicy() {
        FilterHarness h = connect("198.51.100.7");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(NetworksFilter.MATCH)).isEmpty();
        assertThat(h.mailFrom("a@b.test").last().verdict()).isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void ipv4MappedAddressesMatchIpv4Networks() {
        assertThat(connect("::ffff:192.0.2.9").last().verdict()).isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void unknownSetOrBadNetworkIsRefusedAtLoad() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - networks: { accept: [friends] }\n", new NetworksFilterFactory()))
                .hasMessageContaining("harness.yaml:2:").hasMessageContaining("'friends' is neither a network set");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - networks: { reject: [192.0.2.0/24], rejectReply: \"451 4.7.1 x\" }\n",
                new NetworksFilterFactory())).hasMessageContaining("5xx");
    }
}
