// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.rdns;

import static dev.mailgate.filters.rdns.RdnsFilter.CONFIRMED;
import static dev.mailgate.filters.rdns.RdnsFilter.HELO_RESULT;
import static dev.mailgate.filters.rdns.RdnsFilter.NAME;
import static dev.mailgate.filters.rdns.RdnsFilter.NAMES;
import static dev.mailgate.filters.rdns.RdnsFilter.REVERSE_RESULT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.dns.DnsAnswer.Status;
import dev.mailgate.dns.DnsNames;
import dev.mailgate.dns.DnsType;
import dev.mailgate.dns.testing.ZoneResolver;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** checkReverseDNS and the HELO checks through the real pipeline, DNS from zone data. */
class RdnsFilterTest {
    static ZoneResolver zones() {
        ZoneResolver dns = ZoneResolver.of("""
                $ORIGIN example.test.
                mail      A    192.0.2.25
                mail      AAAA 2001:db8::25
                other     A    192.0.2.99
                v6only    AAAA 2001:db8::99
                nohost    TXT  "no address"
                second    A    192.0.2.26
                """);
        ptr(dns, "192.0.2.25", "mail.example.test.");
        ptr(dns, "2001:db8::25", "mail.example.test.");
        ptr(dns, "192.0.2.30", "liar.example.test.");          // does not exist forward
        ptr(dns, "192.0.2.31", "other.example.test.");         // resolves, to another address
        ptr(dns, "192.0.2.26", "liar.example.test.", "second.example.test."); // the second name confirms
        ptr(dns, "192.0.2.40", "slow.down.test.");
        dns.add(DnsNames.ptrName("192.0.2.50"), DnsType.TXT, "\"no PTR here\"");
        dns.failZone("down.test", Status.TIMEOUT);
        dns.fail(DnsNames.ptrName("192.0.2.66"), Status.SERVFAIL);
        return dns;
    }

    static void ptr(ZoneResolver dns, String ip, String... names) {
        dns.add(DnsNames.ptrName(ip), DnsType.PTR, names);
    }

    static final String REVERSE = "filters:\n  - rdns: { helo: false, onError: continue }\n";
    static final String HELO = "filters:\n  - rdns: { reverse: false, onError: continue }\n";

    private static DnsSession connect(String ip) {
        DnsSession s = DnsSession.open(REVERSE, zones());
        s.connect(ip);
        return s;
    }

    @Test
    void aForwardConfirmedName() {
        DnsSession s = connect("192.0.2.25");
        assertThat(s.get(REVERSE_RESULT)).isEqualTo("Pass");
        assertThat(s.get(NAME)).isEqualTo("mail.example.test");
        assertThat(s.get(CONFIRMED)).isTrue();
        assertThat(s.get(StandardVars.REMOTE_SMTP_HOST)).isEqualTo("[192.0.2.25]"); // the MTA's value stays
        assertThat(s.findings()).isEmpty();
        assertThat(connect("2001:DB8::25").get(REVERSE_RESULT)).isEqualTo("Pass");
        DnsSession second = connect("192.0.2.26");
        assertThat(second.get(NAME)).isEqualTo("second.example.test");
        assertThat(second.get(NAMES)).containsExactly("liar.example.test", "second.example.test");
    }

    @Test
    void namesThatDoNotLeadBackAreAMismatch() {
        DnsSession liar = connect("192.0.2.30");
        assertThat(liar.get(REVERSE_RESULT)).isEqualTo("Mismatch");
        assertThat(liar.get(NAME)).isEqualTo("liar.example.test");
        assertThat(liar.get(CONFIRMED)).isFalse();
        assertThat(liar.findings()).containsExactly("RDNS_MISMATCH");
        assertThat(connect("192.0.2.31").get(REVERSE_RESULT)).isEqualTo("Mismatch");
    }

    @Test
    void noPtrIsNone() {
        for (String ip : new String[] {"192.0.2.50", "192.0.2.51"}) { // NODATA and NXDOMAIN
            DnsSession s = connect(ip);
            assertThat(s.get(REVERSE_RESULT)).as(ip).isEqualTo("None");
            assertThat(s.get(NAME)).isEmpty();
            assertThat(s.findings()).containsExactly("RDNS_NONE");
        }
    }

    @Test
    void failedLookupsAreErrorsAndTheFiltersOnError() {
        DnsSession servfail = connect("192.0.2.66");
        assertThat(servfail.get(REVERSE_RESULT)).isEqualTo("Error");
        assertThat(servfail.findings()).contains("RDNS_TEMPERROR").doesNotContain("RDNS_NONE");
        DnsSession forwardTimeout = connect("192.0.2.40");
        assertThat(forwardTimeout.get(REVERSE_RESULT)).isEqualTo("Error");
        assertThat(forwardTimeout.findings()).contains("RDNS_TIMEOUT").doesNotContain("RDNS_MISMATCH");

        DnsSession strict = DnsSession.open("filters:\n  - rdns: { helo: false }\n", zones());
        StageResult r = strict.connect("192.0.2.66");
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
    }

    private static DnsSession helo(String clientIp, String name) {
        DnsSession s = DnsSession.open(HELO, zones(), Map.of("j", "mx.gateway.test"));
        s.connect(clientIp, "198.51.100.25");
        s.ehlo(name);
        return s;
    }

    @Test
    void heloNamesThatResolveToTheClientPass() {
        assertThat(helo("192.0.2.25", "mail.example.test").get(HELO_RESULT)).isEqualTo("Pass");
        assertThat(helo("192.0.2.25", "MAIL.Example.Test.").get(HELO_RESULT)).isEqualTo("Pass");
        assertThat(helo("2001:db8::25", "mail.example.test").get(HELO_RESULT)).isEqualTo("Pass");
        assertThat(helo("192.0.2.25", "mail.example.test").findings()).isEmpty();
    }

    @Test
    void heloSyntax() {
        for (String bad : new String[] {"localhost", "foo_bar.example.test", "-x.example.test", "192.0.2.25", "[300.1.1.1]",
                "[2001:db8::25]", "a..b.example"}) {
            DnsSession s = helo("192.0.2.25", bad);
            assertThat(s.get(HELO_RESULT)).as(bad).isEqualTo("Invalid");
            assertThat(s.findings()).as(bad).containsExactly("HELO_INVALID");
        }
    }

    @Test
    void addressLiteralsMustBeTheClient() {
        assertThat(helo("192.0.2.25", "[192.0.2.25]").get(HELO_RESULT)).isEqualTo("Pass");
        assertThat(helo("2001:db8::25", "[IPv6:2001:DB8:0::25]").get(HELO_RESULT)).isEqualTo("Pass");
        DnsSession other = helo("192.0.2.25", "[192.0.2.1]");
        assertThat(other.get(HELO_RESULT)).isEqualTo("Mismatch");
        assertThat(other.findings()).containsExactly("HELO_MISMATCH");
    }

    @Test
    void heloNamesThatResolveElsewhereOrNowhere() {
        assertThat(helo("192.0.2.25", "other.example.test").get(HELO_RESULT)).isEqualTo("Mismatch");
        assertThat(helo("192.0.2.25", "v6only.example.test").get(HELO_RESULT)).isEqualTo("Mismatch");
        DnsSession nx = helo("192.0.2.25", "nowhere.example.test");
        assertThat(nx.get(HELO_RESULT)).isEqualTo("Unresolvable");
        assertThat(nx.findings()).containsExactly("HELO_UNRESOLVABLE");
        assertThat(helo("192.0.2.25", "nohost.example.test").get(HELO_RESULT)).isEqualTo("Unresolvable");
    }

    @Test
    void aClientClaimingToBeThisServerIsForged() {
        assertThat(helo("192.0.2.25", "mx.gateway.test").get(HELO_RESULT)).isEqualTo("Forged");
        assertThat(helo("192.0.2.25", "[198.51.100.25]").get(HELO_RESULT)).isEqualTo("Forged");
        assertThat(helo("192.0.2.25", "[198.51.100.25]").findings()).containsExactly("HELO_FORGED");
        // a program on this host may use this host's name
        assertThat(helo("127.0.0.1", "mx.gateway.test").get(HELO_RESULT)).isNotEqualTo("Forged");
    }

    @Test
    void aFailedHeloLookupIsAnError() {
        DnsSession s = helo("192.0.2.25", "host.down.test");
        assertThat(s.get(HELO_RESULT)).isEqualTo("Error");
        assertThat(s.findings()).contains("HELO_TIMEOUT").doesNotContain("HELO_UNRESOLVABLE");
    }

    @Test
    void bothChecksInOneFilterAndARuleThatRejects() {
        DnsSession s = DnsSession.open("""
                filters:
                  - rdns: {}
                rules:
                  onEhlo:
                    - if: rdns.heloResult == "Invalid" || !rdns.confirmed
                      then: { reject: "550 5.7.1 ${rdns.heloDetail}" }
                """, zones());
        s.connect("192.0.2.25");
        assertThat(s.get(CONFIRMED)).isTrue();
        assertThat(s.ehlo("localhost").verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(s.ehlo("mail.example.test").verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void settings() {
        assertThat(ServiceLoader.load(FilterFactory.class).stream().map(p -> p.get().type()).toList()).contains("rdns");
        assertThatThrownBy(() -> DnsSession.load("filters:\n  - rdns: { reverse: false, helo: false }\n", new ZoneResolver()))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("rdns.yaml:2:").hasMessageContaining("does nothing");
        assertThatThrownBy(() -> DnsSession.load("filters:\n  - rdns: { maxNames: 0 }\n", new ZoneResolver()))
                .isInstanceOf(PolicyException.class).hasMessageContaining("1..32");
        assertThatThrownBy(() -> DnsSession.load("filters:\n  - rdns: { budget: 20s, timeout: 10s }\n", new ZoneResolver()))
                .isInstanceOf(PolicyException.class).hasMessageContaining("shorter");
        assertThatThrownBy(() -> DnsSession.load("filters:\n  - rdns: { ptr: true }\n", new ZoneResolver()))
                .isInstanceOf(PolicyException.class).hasMessageContaining("unknown key 'ptr'");
    }
}
