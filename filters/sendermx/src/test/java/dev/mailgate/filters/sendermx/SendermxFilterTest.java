// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.sendermx;

import static dev.mailgate.filters.sendermx.SendermxFilter.HOSTS;
import static dev.mailgate.filters.sendermx.SendermxFilter.REASON;
import static dev.mailgate.filters.sendermx.SendermxFilter.RESULT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.dns.DnsAnswer.Status;
import dev.mailgate.dns.DnsType;
import dev.mailgate.dns.testing.ZoneResolver;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** checkSenderMX through the real pipeline, DNS from zone data. */
class SendermxFilterTest {
    static ZoneResolver zones() {
        return ZoneResolver.of("""
                $ORIGIN test.
                mx.example        MX   10 mail.example.test.
                mx.example        MX   20 backup.example.test.
                mail.example      A    192.0.2.25
                backup.example    AAAA 2001:db8::25
                v6only            MX   10 backup.example.test.
                second            MX   5 dead.example.test.
                second            MX   10 mail.example.test.
                dead.example      TXT  "no address here"
                implicit          A    192.0.2.80
                implicit6         AAAA 2001:db8::80
                nothing           TXT  "v=spf1 -all"
                nullmx            MX   0 .
                mixed             MX   0 .
                mixed             MX   10 mail.example.test.
                loopback          MX   10 lo.loopback.test.
                lo.loopback       A    127.0.0.1
                literal           MX   10 192.0.2.25.
                danglingmx        MX   10 gone.danglingmx.test.
                broken            MX   10 broken-host.test.
                """).fail("broken-host.test", Status.SERVFAIL).failZone("timeout.test", Status.TIMEOUT);
    }

    static final String POLICY = "filters:\n  - sendermx: { onError: continue }\n";

    private static DnsSession from(String sender) {
        return from(sender, zones());
    }

    private static DnsSession from(String sender, ZoneResolver dns) {
        DnsSession s = DnsSession.open(POLICY, dns);
        s.connect("192.0.2.1");
        s.mailFrom(sender);
        return s;
    }

    @Test
    void anMxHostWithAnAddressPasses() {
        DnsSession s = from("a@mx.example.test");
        assertThat(s.get(RESULT)).isEqualTo("Pass");
        assertThat(s.get(HOSTS)).containsExactly("mail.example.test", "backup.example.test");
        assertThat(s.get(REASON)).contains("192.0.2.25");
        assertThat(s.findings()).isEmpty();
        assertThat(from("a@v6only.test").get(RESULT)).isEqualTo("Pass");
        assertThat(from("a@second.test").get(RESULT)).isEqualTo("Pass"); // the first host has no address, the next has
    }

    @Test
    void withoutMxTheDomainsOwnAddressIsTheImplicitMx() {
        assertThat(from("a@implicit.test").get(RESULT)).isEqualTo("Pass");
        assertThat(from("a@implicit.test").get(HOSTS)).containsExactly("implicit.test");
        assertThat(from("a@implicit6.test").get(RESULT)).isEqualTo("Pass");
        DnsSession none = from("a@nothing.test");
        assertThat(none.get(RESULT)).isEqualTo("Fail");
        assertThat(none.get(REASON)).isEqualTo("nothing.test has neither MX nor address");
        assertThat(none.findings()).containsExactly("SENDERMX_FAIL");
    }

    @Test
    void aNullMxFails() {
        DnsSession s = from("a@nullmx.test");
        assertThat(s.get(RESULT)).isEqualTo("Fail");
        assertThat(s.get(REASON)).contains("null MX");
        assertThat(s.findings()).containsExactly("SENDERMX_FAIL", "SENDERMX_NULL_MX");
        // a "." beside real hosts is a broken null MX: the real hosts count
        assertThat(from("a@mixed.test").get(RESULT)).isEqualTo("Pass");
    }

    @Test
    void domainsThatCannotReceiveMailFail() {
        assertThat(from("a@no-such-domain.test").get(REASON)).isEqualTo("no-such-domain.test does not exist");
        assertThat(from("a@no-such-domain.test").get(RESULT)).isEqualTo("Fail");
        assertThat(from("a@loopback.test").get(RESULT)).isEqualTo("Fail"); // MX host on 127.0.0.1
        assertThat(from("a@literal.test").get(RESULT)).isEqualTo("Fail"); // MX names an address, not a host
        assertThat(from("a@danglingmx.test").get(RESULT)).isEqualTo("Fail");
        assertThat(from("a@danglingmx.test").get(REASON)).isEqualTo("the MX hosts of danglingmx.test have no usable address");
        assertThat(from("a@under_score.test").get(RESULT)).isEqualTo("Fail");
    }

    @Test
    void theNullSenderAndAddressLiteralsAreNeutralWithoutLookups() {
        ZoneResolver dns = zones();
        DnsSession bounce = from("", dns);
        assertThat(bounce.get(RESULT)).isEqualTo("Neutral");
        assertThat(from("a@[192.0.2.1]", dns).get(RESULT)).isEqualTo("Neutral");
        assertThat(dns.queries()).isEmpty();
    }

    @Test
    void aFailedLookupIsErrorAndTheFiltersOnError() {
        DnsSession timeout = from("a@timeout.test");
        assertThat(timeout.get(RESULT)).isEqualTo("Error");
        assertThat(timeout.findings()).contains("SENDERMX_TIMEOUT");
        DnsSession broken = from("a@broken.test");
        assertThat(broken.get(RESULT)).isEqualTo("Error");
        assertThat(broken.findings()).contains("SENDERMX_TEMPERROR").doesNotContain("SENDERMX_FAIL");

        DnsSession strict = DnsSession.open("filters:\n  - sendermx: {}\n", zones()); // default onError: tempreject
        strict.connect("192.0.2.1");
        StageResult r = strict.mailFrom("a@timeout.test");
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void aRuleRejectsOnFail() {
        DnsSession s = DnsSession.open("""
                filters:
                  - sendermx: {}
                rules:
                  onMailFrom:
                    - if: SenderMXCheckResult == "Fail"
                      then: { reject: "550 5.1.8 sender domain ${mailFromDomain} accepts no mail: ${sendermx.reason}" }
                """, zones());
        s.connect("192.0.2.1");
        StageResult r = s.mailFrom("a@nullmx.test");
        assertThat(((Verdict.Reject) r.verdict()).reply().toWireText())
                .isEqualTo("550 5.1.8 sender domain nullmx.test accepts no mail: nullmx.test publishes a null MX: it accepts no mail (RFC 7505)");
        assertThat(s.mailFrom("a@mx.example.test").verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void onlyTheFirstHostsAreLookedUp() {
        ZoneResolver dns = zones().add("many.test", DnsType.MX, "10 h1.many.test.", "20 h2.many.test.", "30 h3.many.test.");
        DnsSession s = DnsSession.open("filters:\n  - sendermx: { maxHosts: 2, onError: continue }\n", dns);
        s.connect("192.0.2.1");
        s.mailFrom("a@many.test");
        assertThat(s.get(HOSTS)).containsExactly("h1.many.test", "h2.many.test");
        assertThat(dns.queries()).noneMatch(q -> q.startsWith("h3."));
    }

    @Test
    void settings() {
        assertThat(ServiceLoader.load(FilterFactory.class).stream().map(p -> p.get().type()).toList()).contains("sendermx");
        assertThatThrownBy(() -> DnsSession.load("filters:\n  - sendermx: { maxHosts: 0 }\n", new ZoneResolver()))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("sendermx.yaml:2:").hasMessageContaining("1..20");
        assertThatThrownBy(() -> DnsSession.load("filters:\n  - sendermx: { budget: 9s, timeout: 3s }\n", new ZoneResolver()))
                .isInstanceOf(PolicyException.class).hasMessageContaining("shorter than the filter's timeout");
        assertThatThrownBy(() -> DnsSession.load("filters:\n  - sendermx: { hosts: 3 }\n", new ZoneResolver()))
                .isInstanceOf(PolicyException.class).hasMessageContaining("unknown key 'hosts'");
        assertThat(List.of(DnsSession.load("filters:\n  - sendermx: {}\n", new ZoneResolver()).chain())).hasSize(1);
    }
}
