// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.dnsbl;

import static dev.mailgate.filters.dnsbl.DnsblFilter.ALLOWED_BY;
import static dev.mailgate.filters.dnsbl.DnsblFilter.DNSBL_EXPLANATION;
import static dev.mailgate.filters.dnsbl.DnsblFilter.DNSBL_RESULT;
import static dev.mailgate.filters.dnsbl.DnsblFilter.DNSBL_SERVER;
import static dev.mailgate.filters.dnsbl.DnsblFilter.FROM_EXPLANATION;
import static dev.mailgate.filters.dnsbl.DnsblFilter.FROM_LISTED_BY;
import static dev.mailgate.filters.dnsbl.DnsblFilter.HELO_LISTED_BY;
import static dev.mailgate.filters.dnsbl.DnsblFilter.LISTED_BY;
import static dev.mailgate.filters.dnsbl.DnsblFilter.MEANINGS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.dns.DnsAnswer.Status;
import dev.mailgate.dns.DnsNames;
import dev.mailgate.dns.DnsType;
import dev.mailgate.dns.testing.ZoneResolver;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** checkDNSBL through the real pipeline, DNS answered in process from zone data. */
class DnsblFilterTest {
    /** RFC 5782 §5 test points, plus lists with return codes, bitmasks, error answers. */
    static ZoneResolver zones() {
        ZoneResolver dns = ZoneResolver.of("""
                $ORIGIN bl.test.
                @           SOA ns hostmaster 1 3600 600 86400 60
                $ORIGIN dbl.test.
                @           SOA ns hostmaster 1 3600 600 86400 60
                test        A   127.0.0.2
                test        TXT "domain listed: test point"
                """);
        listed(dns, "127.0.0.2", "bl.test", "127.0.0.2").add(DnsNames.reversed("127.0.0.2") + ".bl.test", DnsType.TXT,
                "\"listed: see https://bl.test/q?127.0.0.2\"");
        listed(dns, "::FFFF:7F00:2", "bl.test", "127.0.0.2");
        listed(dns, "2001:db8::2", "bl.test", "127.0.0.2");
        listed(dns, "127.0.0.2", "zen.test", "127.0.0.2");
        listed(dns, "192.0.2.4", "zen.test", "127.0.0.4");
        listed(dns, "192.0.2.10", "zen.test", "127.0.0.10");
        listed(dns, "192.0.2.6", "multi.test", "127.0.0.6");
        listed(dns, "192.0.2.7", "wl.test", "127.0.10.2");
        listed(dns, "127.0.0.2", "wl.test", "127.0.10.2");
        listed(dns, "192.0.2.1", "err.test", "127.255.255.254");
        listed(dns, "192.0.2.1", "hijack.test", "198.51.100.1");
        return dns;
    }

    static ZoneResolver listed(ZoneResolver dns, String ip, String zone, String answer) {
        return dns.add(DnsNames.reversed(ip) + "." + zone, DnsType.A, answer);
    }

    static final String BL = """
            filters:
              - dnsbl: { zones: [bl.test] }
            """;

    @Test
    void rfc5782Ipv4TestPoints() {
        DnsSession listed = DnsSession.open(BL, zones());
        assertThat(listed.connect("127.0.0.2").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(listed.get(DNSBL_SERVER)).isEqualTo("bl.test");
        assertThat(listed.get(DNSBL_RESULT)).isEqualTo("127.0.0.2");
        assertThat(listed.get(DNSBL_EXPLANATION)).isEqualTo("listed: see https://bl.test/q?127.0.0.2");
        assertThat(listed.findings()).containsExactly("DNSBL_LISTED", "DNSBL_BL_TEST");

        DnsSession clean = DnsSession.open(BL, zones());
        assertThat(clean.connect("127.0.0.1").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(clean.get(DNSBL_SERVER)).isEmpty();
        assertThat(clean.get(DNSBL_RESULT)).isEmpty();
        assertThat(clean.findings()).isEmpty();
    }

    @Test
    void rfc5782Ipv6TestPointsInNibbleForm() {
        ZoneResolver dns = zones();
        DnsSession listed = DnsSession.open(BL, dns);
        listed.connect("::FFFF:7F00:2");
        assertThat(listed.get(DNSBL_SERVER)).isEqualTo("bl.test");
        assertThat(dns.queries()).contains("2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.test/A");

        DnsSession clean = DnsSession.open(BL, dns);
        clean.connect("::FFFF:7F00:1");
        assertThat(clean.get(DNSBL_SERVER)).isEmpty();
        assertThat(clean.findings()).isEmpty();

        DnsSession v6 = DnsSession.open(BL, dns);
        v6.connect("2001:DB8::2");
        assertThat(v6.findings()).contains("DNSBL_LISTED");
    }

    @Test
    void rfc5782DomainTestPointsForMailFromAndHelo() {
        String policy = "filters:\n  - dnsbl: { domains: [dbl.test] }\n";
        DnsSession from = DnsSession.open(policy, zones());
        from.connect("192.0.2.99");
        from.ehlo("invalid");
        assertThat(from.get(HELO_LISTED_BY)).isEmpty();
        from.mailFrom("someone@test");
        assertThat(from.get(FROM_LISTED_BY)).isEqualTo("dbl.test");
        assertThat(from.get(FROM_EXPLANATION)).isEqualTo("domain listed: test point");
        assertThat(from.findings()).containsExactly("DNSBL_FROM_LISTED", "DNSBL_DBL_TEST");

        DnsSession helo = DnsSession.open(policy, zones());
        helo.connect("192.0.2.99");
        helo.ehlo("TEST");
        assertThat(helo.get(HELO_LISTED_BY)).isEqualTo("dbl.test");
        assertThat(helo.findings()).contains("DNSBL_HELO_LISTED");
        helo.mailFrom("someone@invalid");
        assertThat(helo.get(FROM_LISTED_BY)).isEmpty();
        assertThat(helo.findings()).doesNotContain("DNSBL_FROM_LISTED");
        helo.ehlo("invalid"); // a second EHLO (after STARTTLS) replaces the first one's result
        assertThat(helo.get(HELO_LISTED_BY)).isEmpty();
    }

    @Test
    void domainListsForOneIdentityOnlyAndNoLookupForNullSenderOrAddressLiteral() {
        ZoneResolver dns = zones();
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { domains: [\"dbl.test from\"] }\n", dns);
        s.connect("192.0.2.99");
        s.ehlo("test");
        assertThat(s.get(HELO_LISTED_BY)).isEmpty();
        s.mailFrom("");
        s.ehlo("[192.0.2.99]");
        assertThat(dns.queries()).isEmpty();
        s.mailFrom("a@test");
        assertThat(s.get(FROM_LISTED_BY)).isEqualTo("dbl.test");
    }

    @Test
    void returnCodeMapsGiveMeaningsAndIgnoreOtherCodes() {
        String policy = """
                filters:
                  - dnsbl:
                      zones: ["zen.test symbol=ZEN 127.0.0.2=ZEN_SBL 127.0.0.4/30=ZEN_XBL"]
                """;
        DnsSession xbl = DnsSession.open(policy, zones());
        xbl.connect("192.0.2.4");
        assertThat(xbl.get(DNSBL_RESULT)).isEqualTo("127.0.0.4");
        assertThat(xbl.get(MEANINGS)).containsExactly("ZEN_XBL");
        assertThat(xbl.findings()).containsExactly("DNSBL_LISTED", "ZEN", "ZEN_XBL");

        DnsSession pbl = DnsSession.open(policy, zones()); // 127.0.0.10 is not in the map
        pbl.connect("192.0.2.10");
        assertThat(pbl.get(DNSBL_SERVER)).isEmpty();
        assertThat(pbl.findings()).isEmpty();
    }

    @Test
    void bitmasksOfTheLastOctet() {
        String policy = "filters:\n  - dnsbl: { zones: [\"multi.test &2=MULTI_SPAM &4=MULTI_PHISH &8=MULTI_MALWARE\"] }\n";
        DnsSession s = DnsSession.open(policy, zones());
        s.connect("192.0.2.6"); // 127.0.0.6 = 2 + 4
        assertThat(s.get(MEANINGS)).containsExactly("MULTI_SPAM", "MULTI_PHISH");
        assertThat(s.findings()).contains("MULTI_SPAM", "MULTI_PHISH").doesNotContain("MULTI_MALWARE");
    }

    @Test
    void severalListsAreAskedAndTheFirstListingInPolicyOrderIsTheServer() {
        ZoneResolver dns = zones();
        String policy = "filters:\n  - dnsbl: { zones: [bl.test, zen.test, multi.test] }\n";
        DnsSession s = DnsSession.open(policy, dns);
        s.connect("127.0.0.2"); // on bl.test and zen.test
        assertThat(s.get(DNSBL_SERVER)).isEqualTo("bl.test");
        assertThat(s.get(LISTED_BY)).containsExactly("bl.test", "zen.test");
        assertThat(s.findings()).contains("DNSBL_LISTED", "DNSBL_BL_TEST", "DNSBL_ZEN_TEST");
        assertThat(dns.queries()).contains("2.0.0.127.bl.test/A", "2.0.0.127.zen.test/A", "2.0.0.127.multi.test/A");

        DnsSession second = DnsSession.open(policy, zones());
        second.connect("192.0.2.4"); // on zen.test only
        assertThat(second.get(DNSBL_SERVER)).isEqualTo("zen.test");
    }

    @Test
    void listsAreAskedConcurrently() {
        // three lists of 400 ms each within a budget of 1 s: only concurrent lookups make it
        ZoneResolver dns = zones().delayZone("bl.test", Duration.ofMillis(400)).delayZone("zen.test", Duration.ofMillis(400))
                .delayZone("multi.test", Duration.ofMillis(400));
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test, zen.test, multi.test], budget: 1s, txt: false }\n", dns);
        assertThat(s.connect("192.0.2.6").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(DNSBL_SERVER)).isEqualTo("multi.test");
        assertThat(s.findings()).doesNotContain("DNSBL_TIMEOUT");
    }

    @Test
    void aFailedListWithoutListingIsTheFiltersOnError() {
        ZoneResolver dns = zones().failZone("zen.test", Status.SERVFAIL);
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test, zen.test] }\n", dns);
        StageResult r = s.connect("192.0.2.50");
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class); // the default onError
        assertThat(s.findings()).contains("DNSBL_TEMPERROR");
        assertThat(s.get(DNSBL_SERVER)).isEmpty();
    }

    @Test
    void aTimeoutIsItsOwnFindingAndOnErrorContinueLetsTheRulesDecide() {
        ZoneResolver dns = zones().failZone("zen.test", Status.TIMEOUT);
        DnsSession s = DnsSession.open("""
                filters:
                  - dnsbl: { zones: [zen.test], onError: continue }
                rules:
                  onConnect:
                    - if: '"DNSBL_TIMEOUT" in findings'
                      then: { tempreject: "451 4.7.1 DNSBL check timed out" }
                """, dns);
        StageResult r = s.connect("192.0.2.50");
        assertThat(s.findings()).contains("DNSBL_TIMEOUT").doesNotContain("DNSBL_LISTED");
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(((Verdict.TempReject) r.verdict()).reply().lines()).containsExactly("DNSBL check timed out");
    }

    @Test
    void aListThatNeverAnswersCostsTheBudgetNotTheFiltersTimeout() {
        ZoneResolver dns = zones().hangZone("zen.test");
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [zen.test], budget: 300ms, timeout: 20s }\n", dns);
        long t0 = System.nanoTime();
        StageResult r = s.connect("192.0.2.50");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(s.findings()).contains("DNSBL_TIMEOUT");
        assertThat(ms).isLessThan(10_000);
    }

    @Test
    void aListingStandsWhenAnotherListFails() {
        ZoneResolver dns = zones().failZone("zen.test", Status.TIMEOUT);
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [zen.test, bl.test] }\n", dns);
        assertThat(s.connect("127.0.0.2").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(DNSBL_SERVER)).isEqualTo("bl.test");
        assertThat(s.findings()).contains("DNSBL_LISTED", "DNSBL_TIMEOUT");
    }

    @Test
    void errorCodesAndAddressesOutsideLoopbackAreFailuresNotListings() {
        for (String zone : new String[] {"err.test", "hijack.test"}) {
            DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [" + zone + "] }\n", zones());
            StageResult r = s.connect("192.0.2.1");
            assertThat(r.verdict()).as(zone).isInstanceOf(Verdict.TempReject.class);
            assertThat(s.findings()).as(zone).containsExactly("DNSBL_TEMPERROR", "DNSBL_ERROR");
            assertThat(s.get(DNSBL_SERVER)).isEmpty();
        }
    }

    @Test
    void anAllowListSkipsTheBlockListsByDefault() {
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test], allow: [wl.test] }\n", zones());
        assertThat(s.connect("127.0.0.2").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(ALLOWED_BY)).isEqualTo("wl.test");
        assertThat(s.get(DNSBL_SERVER)).isEmpty();
        assertThat(s.findings()).containsExactly("DNSBL_ALLOWED", "DNSBL_WL_TEST");
    }

    @Test
    void anAllowListCanAcceptTheConnection() {
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test], allow: [wl.test], allowAction: accept }\n", zones());
        assertThat(s.connect("192.0.2.7").verdict()).isEqualTo(Verdict.ACCEPT);
        DnsSession other = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test], allow: [wl.test], allowAction: accept }\n", zones());
        assertThat(other.connect("192.0.2.8").verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void allowActionContinueOnlyReports() {
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test], allow: [wl.test], allowAction: continue }\n", zones());
        assertThat(s.connect("127.0.0.2").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(ALLOWED_BY)).isEqualTo("wl.test");
        assertThat(s.get(DNSBL_SERVER)).isEqualTo("bl.test");
        assertThat(s.findings()).contains("DNSBL_ALLOWED", "DNSBL_LISTED");
    }

    @Test
    void aFailedAllowListOnlyLosesItsFavour() {
        ZoneResolver dns = zones().failZone("wl.test", Status.SERVFAIL);
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test], allow: [wl.test], allowAction: accept }\n", dns);
        assertThat(s.connect("192.0.2.7").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.findings()).containsExactly("DNSBL_TEMPERROR");
        DnsSession listed = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test], allow: [wl.test] }\n", dns);
        listed.connect("127.0.0.2");
        assertThat(listed.get(DNSBL_SERVER)).isEqualTo("bl.test");
    }

    @Test
    void aRuleRejectsWithTheListsText() {
        DnsSession s = DnsSession.open("""
                filters:
                  - dnsbl: { zones: [bl.test] }
                rules:
                  onConnect:
                    - if: DNSBLServer != ""
                      then: { reject: "554 5.7.1 blocked using ${DNSBLServer}: ${DNSBLExplanation}" }
                """, zones());
        StageResult r = s.connect("127.0.0.2");
        assertThat(r.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) r.verdict()).reply().toWireText())
                .isEqualTo("554 5.7.1 blocked using bl.test: listed: see https://bl.test/q?127.0.0.2");
    }

    @Test
    void noTxtLookupWhenTurnedOffAndNoLookupWithoutAnAddress() {
        ZoneResolver dns = zones();
        DnsSession s = DnsSession.open("filters:\n  - dnsbl: { zones: [bl.test], txt: false }\n", dns);
        s.connect("127.0.0.2");
        assertThat(s.get(DNSBL_SERVER)).isEqualTo("bl.test");
        assertThat(s.get(DNSBL_EXPLANATION)).isEmpty();
        assertThat(dns.queries()).containsExactly("2.0.0.127.bl.test/A");

        ZoneResolver none = zones();
        DnsSession unix = DnsSession.open(BL, none);
        assertThat(unix.connect("").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(none.queries()).isEmpty();
    }

    @Test
    void explanationsAreOneLineFitForAReply() {
        assertThat(ListLookups.explanation(java.util.List.of("line one\r\n550 injected", "second")))
                .isEqualTo("line one  550 injected second");
        assertThat(ListLookups.explanation(java.util.List.of("x".repeat(1000)))).hasSize(300);
    }
}
