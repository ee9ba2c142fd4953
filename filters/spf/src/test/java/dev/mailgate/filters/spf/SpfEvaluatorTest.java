// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** Evaluation behaviour beyond the RFC 7208 suite: the deadline, configurable limits, explanations. */
class SpfEvaluatorTest {
    private static final IpAddress CLIENT = IpAddress.client("192.0.2.10").orElseThrow();
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.ofEpochSecond(1_700_000_000));

    private static SpfEvaluator evaluator(ZoneResolver zone, Duration deadline, int terms, int voids) {
        return new SpfEvaluator(zone, deadline, terms, voids, MacroString.explanation(SpfSettings.DEFAULT_EXPLANATION), CLOCK);
    }

    private static SpfCheckResult check(ZoneResolver zone, String from) {
        return evaluator(zone, Duration.ofSeconds(5), 10, 2).checkMailFrom(CLIENT, from, "helo.example.net", "mx.test");
    }

    @Test
    void theDeadlineBoundsTheWholeCheck() {
        ZoneResolver zone = ZoneResolver.of("""
                example.org TXT v=spf1 include:a.example.org -all
                a.example.org HANG
                """);
        long start = System.nanoTime();
        SpfCheckResult r = evaluator(zone, Duration.ofMillis(200), 10, 2).checkMailFrom(CLIENT, "x@example.org", "h.example", "mx.test");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.result()).isEqualTo(SpfResult.TEMPERROR);
        assertThat(r.timedOut()).isTrue();
        assertThat(r.problem()).contains("TXT a.example.org");
        assertThat(ms).isBetween(150L, 3000L);
    }

    @Test
    void theTermLimitIsConfigurableAndCountsIncludesAndRedirects() {
        ZoneResolver zone = ZoneResolver.of("""
                example.org TXT v=spf1 a:a.example.org include:i.example.org redirect=r.example.org
                a.example.org A 198.51.100.1
                i.example.org TXT v=spf1 -all
                r.example.org TXT v=spf1 ip4:192.0.2.0/24
                """);
        assertThat(evaluator(zone, Duration.ofSeconds(5), 3, 2).checkMailFrom(CLIENT, "x@example.org", "h", "r").result()).isEqualTo(SpfResult.PASS);
        SpfCheckResult over = evaluator(zone, Duration.ofSeconds(5), 2, 2).checkMailFrom(CLIENT, "x@example.org", "h", "r");
        assertThat(over.result()).isEqualTo(SpfResult.PERMERROR);
        assertThat(over.problem()).contains("more than 2 DNS-querying terms").contains("redirect=r.example.org");
    }

    @Test
    void voidLookupsMayBeForbiddenAltogether() {
        ZoneResolver zone = ZoneResolver.of("example.org TXT v=spf1 a:gone.example.org ip4:192.0.2.10 -all");
        assertThat(evaluator(zone, Duration.ofSeconds(5), 10, 1).checkMailFrom(CLIENT, "x@example.org", "h", "r").result()).isEqualTo(SpfResult.PASS);
        assertThat(evaluator(zone, Duration.ofSeconds(5), 10, 0).checkMailFrom(CLIENT, "x@example.org", "h", "r").result()).isEqualTo(SpfResult.PERMERROR);
    }

    @Test
    void theExplanationMayUseTheExpOnlyMacrosAndIsCut() {
        ZoneResolver zone = ZoneResolver.of("""
                example.org TXT v=spf1 -all exp=e.example.org
                e.example.org TXT %{c} refused by %{r} at %{t} for %{s}
                long.example.org TXT v=spf1 -all exp=l.example.org
                """);
        zone.add("l.example.org", dev.mailgate.dns.DnsType.TXT, "x".repeat(2000));
        assertThat(check(zone, "a@example.org").explanation()).isEqualTo("192.0.2.10 refused by mx.test at 1700000000 for a@example.org");
        assertThat(check(zone, "a@long.example.org").explanation()).hasSize(SpfEvaluator.MAX_EXPLANATION);
    }

    @Test
    void theExplanationLookupIsNotCountedAgainstTheLimits() {
        ZoneResolver zone = ZoneResolver.of("example.org TXT v=spf1 a:v1.example.org a:v2.example.org -all exp=nowhere.example.org");
        SpfCheckResult r = check(zone, "a@example.org");
        assertThat(r.result()).isEqualTo(SpfResult.FAIL);
        assertThat(r.explanation()).isEqualTo("example.org does not designate 192.0.2.10 as permitted sender");
        assertThat(zone.queries()).containsExactly("TXT example.org", "A v1.example.org", "A v2.example.org", "TXT nowhere.example.org");
    }

    @Test
    void unqueryableNamesAreNeverSentToDns() {
        ZoneResolver zone = ZoneResolver.of("example.org TXT v=spf1 a:%{l}.example.org -all");
        SpfCheckResult r = check(zone, "x".repeat(64) + "@example.org");
        assertThat(r.result()).isEqualTo(SpfResult.FAIL);
        assertThat(zone.queries()).containsExactly("TXT example.org");
    }

    @Test
    void aSenderWithoutDomainOrAnAddressLiteralIsNone() {
        ZoneResolver zone = ZoneResolver.of("");
        assertThat(check(zone, "postmaster").result()).isEqualTo(SpfResult.NONE);
        assertThat(check(zone, "a@[192.0.2.1]").result()).isEqualTo(SpfResult.NONE);
        assertThat(zone.queries()).isEmpty();
    }

    @Test
    void ptrAndThePMacroUseOnlyValidatedNames() {
        ZoneResolver zone = ZoneResolver.of("""
                example.org TXT v=spf1 ptr -all exp=e.example.org
                e.example.org TXT client %{p}
                10.2.0.192.in-addr.arpa PTR forged.example.org
                10.2.0.192.in-addr.arpa PTR other.example.net
                forged.example.org A 198.51.100.1
                other.example.net A 192.0.2.10
                """);
        SpfCheckResult r = check(zone, "a@example.org");
        assertThat(r.result()).isEqualTo(SpfResult.FAIL);
        assertThat(r.explanation()).isEqualTo("client other.example.net");
    }
}
