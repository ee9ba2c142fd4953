// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Modification;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.testkit.FilterHarness;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The spf filter through the real pipeline, DNS from the zone in each policy. */
class SpfFilterTest {
    private static final String ZONE = """
            services:
              zones:
                records:
                  - "example.org TXT v=spf1 ip4:192.0.2.0/24 ~all exp=why.example.org"
                  - "why.example.org TXT %{i} is not one of %{d}'s mail servers"
                  - "strict.example.org TXT v=spf1 mx -all"
                  - "strict.example.org MX 10 mx.strict.example.org"
                  - "mx.strict.example.org A 192.0.2.25"
                  - "mail.example.net TXT v=spf1 a -all"
                  - "mail.example.net A 192.0.2.10"
                  - "slow.example.org TIMEOUT"
                  - "broken.example.org TXT v=spf1 ip4:192.0.2.300 -all"
                  - "hang.example.org HANG"
            """;

    private static FilterHarness harness(String spfSettings, String rest) {
        return FilterHarness.of(ZONE + "filters:\n  - spf: " + spfSettings + "\n" + rest, new SpfFilterFactory());
    }

    private static FilterHarness session(String settings, String rest, String ip, String helo, String from) {
        FilterHarness h = harness(settings, rest).connect(ip).ehlo(helo);
        h.mailFrom(from);
        return h;
    }

    @Test
    void passSetsTheVariablesAndTheFinding() {
        FilterHarness h = session("{ authservId: mx.test }", "", "192.0.2.10", "mail.example.net", "alice@example.org");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("Pass");
        assertThat(h.get(SpfFilter.DOMAIN)).isEqualTo("example.org");
        assertThat(h.get(SpfFilter.MECHANISM)).isEqualTo("ip4:192.0.2.0/24");
        assertThat(h.get(SpfFilter.EXPLANATION)).isEmpty();
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("SPF_PASS");
    }

    @Test
    void failIsRejectedAtMailByARuleWithTheDomainsExplanation() {
        FilterHarness h = session("{ }", """
                rules:
                  onMailFrom:
                    - name: spf-fail
                      if: SPFResult == "Fail"
                      then: { reject: "550 5.7.23 ${spf.explanation}" }
                """, "198.51.100.7", "client.example.com", "bob@strict.example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("Fail");
        assertThat(h.last().verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) h.last().verdict()).reply().toWireText())
                .isEqualTo("550 5.7.23 strict.example.org does not designate 198.51.100.7 as permitted sender");
        assertThat(h.last().decidedBy()).isEqualTo("rule onMailFrom[spf-fail]");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("SPF_FAIL");
    }

    @Test
    void mxMechanismPassesTheDomainsMailServer() {
        FilterHarness h = session("{ }", "", "192.0.2.25", "mx.strict.example.org", "bob@strict.example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("Pass");
        assertThat(h.get(SpfFilter.MECHANISM)).isEqualTo("mx");
    }

    @Test
    void softFailIsScoredByThePolicyNotRejected() {
        FilterHarness h = session("{ }", "scores: { SPF_SOFTFAIL: 2.5 }\n", "203.0.113.9", "x.example.com", "carol@example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("SoftFail");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(StandardVars.SCORE)).isEqualTo(2.5);
        // exp= explains only a Fail (RFC 7208 §6.2)
        assertThat(h.get(SpfFilter.EXPLANATION)).isEmpty();
    }

    @Test
    void dnsTimeoutIsTempErrorNeverNone() {
        FilterHarness h = session("{ }", """
                rules:
                  onMailFrom:
                    - if: SPFResult == "TempError"
                      then: { tempreject: "451 4.7.24 SPF: DNS error for ${spf.domain}, try later" }
                """, "192.0.2.10", "mail.example.net", "dave@slow.example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("TempError");
        assertThat(h.get(SpfFilter.PROBLEM)).contains("TXT slow.example.org");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("SPF_TEMPERROR", "SPF_TIMEOUT");
        assertThat(((Verdict.TempReject) h.last().verdict()).reply().toWireText())
                .isEqualTo("451 4.7.24 SPF: DNS error for slow.example.org, try later");
    }

    @Test
    void aResolverSlowerThanTheDeadlineGivesTempErrorNotTheChainsOnError() {
        long start = System.nanoTime();
        FilterHarness h = session("{ deadline: 300ms, timeout: 5s }", "", "192.0.2.10", "mail.example.net", "eve@hang.example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("TempError"); // awaits the check, which started early
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(h.get(SpfFilter.PROBLEM)).contains("deadline");
        // the default onError would have answered tempreject: the filter itself did not overrun
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(ms).isBetween(250L, 4000L);
    }

    @Test
    void syntaxErrorIsPermError() {
        FilterHarness h = session("{ }", "", "192.0.2.10", "mail.example.net", "frank@broken.example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("PermError");
        assertThat(h.get(SpfFilter.PROBLEM)).contains("192.0.2.300");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("SPF_PERMERROR");
    }

    @Test
    void aDomainWithoutRecordIsNone() {
        FilterHarness h = session("{ }", "", "192.0.2.10", "mail.example.net", "gina@nothing.example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("None");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("SPF_NONE");
    }

    @Test
    void nullSenderChecksPostmasterAtTheHeloName() {
        FilterHarness h = session("{ }", "", "192.0.2.10", "mail.example.net", "");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("Pass");
        assertThat(h.get(SpfFilter.SENDER)).isEqualTo("postmaster@mail.example.net");
        assertThat(h.get(SpfFilter.DOMAIN)).isEqualTo("mail.example.net");
    }

    @Test
    void headersAreAddedAtTheEndOfData() {
        FilterHarness h = session("{ authservId: mx.test }", "", "192.0.2.10", "mail.example.net", "alice@example.org");
        StageResult end = deliver(h);
        assertThat(end.modifications()).containsExactly(
                new Modification.InsertHeader(0, "Authentication-Results", "mx.test; spf=pass smtp.mailfrom=example.org"),
                new Modification.InsertHeader(0, "Received-SPF", "pass (mx.test: domain of alice@example.org designates 192.0.2.10"
                        + " as permitted sender) receiver=mx.test; client-ip=192.0.2.10; envelope-from=\"alice@example.org\";"
                        + " helo=mail.example.net; identity=mailfrom; mechanism=\"ip4:192.0.2.0/24\";"));
    }

    @Test
    void heloCheckAtEhloIsReportedAndAddedToAuthenticationResults() {
        FilterHarness h = harness("{ helo: true, headers: [Authentication-Results], authservId: mx.test }", "").connect("192.0.2.10");
        h.ehlo("mail.example.net");
        assertThat(h.get(SpfFilter.HELO_RESULT)).isEqualTo("Pass");
        h.mailFrom("bob@strict.example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEqualTo("Fail");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("SPF_HELO_PASS", "SPF_FAIL");
        assertThat(deliver(h).modifications()).containsExactly(new Modification.InsertHeader(0, "Authentication-Results",
                "mx.test; spf=fail smtp.mailfrom=strict.example.org; spf=pass smtp.helo=mail.example.net"));
    }

    @Test
    void withoutHeadersTheFilterSkipsTheEndOfData() {
        var policy = FilterHarness.load(ZONE + "filters:\n  - spf: { headers: [] }\n", new SpfFilterFactory());
        assertThat(policy.chain(dev.mailgate.api.Stage.DATA_RECEIVED)).isEmpty();
        assertThat(policy.chain(dev.mailgate.api.Stage.EHLO)).isEmpty();
        assertThat(policy.decides(dev.mailgate.api.Stage.MAIL_FROM)).as("only sets variables").isFalse();
        FilterHarness h = session("{ headers: [] }", "", "192.0.2.10", "mail.example.net", "alice@example.org");
        assertThat(deliver(h).modifications()).isEmpty();
    }

    @Test
    void authservIdDefaultsToTheMtaHostName() {
        FilterHarness h = harness("{ headers: [Authentication-Results] }", """
                rules:
                  onConnect:
                    - then: { set: { mtaHostname: mx1.example.com } }
                """).connect("192.0.2.10").ehlo("mail.example.net");
        h.mailFrom("alice@example.org");
        assertThat(deliver(h).modifications()).extracting(m -> ((Modification.InsertHeader) m).value())
                .containsExactly("mx1.example.com; spf=pass smtp.mailfrom=example.org");
    }

    @Test
    void noClientAddressMeansNoCheck() {
        FilterHarness h = session("{ }", "", "", "localhost", "root@example.org");
        assertThat(h.get(SpfFilter.SPF_RESULT)).isEmpty();
        assertThat(h.get(StandardVars.FINDINGS)).isEmpty();
        assertThat(deliver(h).modifications()).isEmpty();
    }

    @Test
    void aRuleOverwritingSPFResultDoesNotBreakTheEndOfData() {
        FilterHarness h = harness("{ authservId: mx.test }", """
                rules:
                  onMailFrom:
                    - then: { set: { SPFResult: "overridden" } }
                """).connect("192.0.2.10").ehlo("mail.example.net");
        h.mailFrom("alice@example.org");
        StageResult end = deliver(h);
        assertThat(end.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(end.modifications()).isEmpty();
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("SPF_PASS");
    }

    private static StageResult deliver(FilterHarness h) {
        h.rcptTo("postmaster@example.com");
        h.header("Subject", "hi").endOfHeaders().body("hello\r\n");
        return h.endOfData();
    }

    @Test
    void theVariablesAreDeclaredForRules() {
        var policy = FilterHarness.load(ZONE + "filters:\n  - spf: { helo: true }\n", new SpfFilterFactory());
        assertThat(policy.variables()).containsKeys("SPFResult", "spf.explanation", "spf.domain", "spf.helo.result");
        var noHelo = FilterHarness.load(ZONE + "filters:\n  - spf: {}\n", new SpfFilterFactory());
        assertThat(noHelo.variables()).doesNotContainKey("spf.helo.result");
        assertThat(List.of(noHelo.chain(dev.mailgate.api.Stage.MAIL_FROM).get(0).type())).containsExactly("spf");
    }
}
