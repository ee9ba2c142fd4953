// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.testkit.FilterHarness;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The geoip filter through the real session pipeline, on MaxMind's GeoIP2-Country test database
 * (81.2.69.142 is GB, 89.160.20.112 SE, 2001:218::1 JP, 214.1.1.1 a record without a country,
 * 1.1.1.1 not in it) and on the shipped database.
 */
class GeoipFilterTest {
    static final String DB = Conformance.testDb("GeoIP2-Country-Test.mmdb").toString();

    private static FilterHarness harness(String settings) {
        return FilterHarness.of("filters:\n  - geoip: { database: " + DB + ", " + settings + " }\n", new GeoipFilterFactory());
    }

    private static String wire(StageResult r) {
        return switch (r.verdict()) {
            case Verdict.Reject rej -> rej.reply().toWireText();
            case Verdict.TempReject t -> t.reply().toWireText();
            default -> r.verdict().action();
        };
    }

    @Test
    void bannedCountryIsRejectedAtConnectWithItsCode() {
        FilterHarness h = harness("bannedCountries: [gb, XX]").connect("81.2.69.142");
        assertThat(wire(h.last())).isEqualTo("554 5.7.1 Connections from your country (GB) are not accepted");
        assertThat(h.get(GeoipVars.GEOIP_RESULT)).isEqualTo("GB");
        assertThat(h.get(GeoipVars.IS_GEOIP_BANNED)).isTrue();
        assertThat(h.get(GeoipVars.STATUS)).isEqualTo("country");
        assertThat(h.get(GeoipVars.REGISTERED_COUNTRY)).isEqualTo("US");
        assertThat(h.get(GeoipVars.NETWORK)).isEqualTo("81.2.69.142/31");
        assertThat(h.get(GeoipVars.BANNED_COUNTRIES)).containsExactly("GB", "XX");
        assertThat(h.get(GeoipVars.ACTION_GEOIP_BAN)).isEqualTo("reject");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("GEOIP_BANNED");
    }

    @Test
    void aCountryNotBannedPasses() {
        FilterHarness h = harness("bannedCountries: [GB]").connect("89.160.20.112");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GeoipVars.GEOIP_RESULT)).isEqualTo("SE");
        assertThat(h.get(GeoipVars.IS_GEOIP_BANNED)).isFalse();
        assertThat(h.get(StandardVars.FINDINGS)).isEmpty();
    }

    @Test
    void anAllowListBansEveryOtherCountry() {
        assertThat(harness("allowedCountries: [SE]").connect("89.160.20.112").last().verdict()).isEqualTo(Verdict.CONTINUE);
        FilterHarness gb = harness("allowedCountries: [SE]").connect("81.2.69.142");
        assertThat(gb.last().verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(gb.get(GeoipVars.ALLOWED_COUNTRIES)).containsExactly("SE");
    }

    @Test
    void codesAreCaseInsensitiveAndNorwayIsACountryNotABoolean() {
        FilterHarness h = harness("bannedCountries: [no, gb]").connect("81.2.69.142");
        assertThat(h.get(GeoipVars.BANNED_COUNTRIES)).containsExactly("NO", "GB");
        assertThat(h.last().verdict()).isInstanceOf(Verdict.Reject.class);
        FilterHarness single = harness("bannedCountries: GB").connect("81.2.69.142");
        assertThat(single.get(GeoipVars.BANNED_COUNTRIES)).containsExactly("GB");
    }

    @Test
    void ipv6ClientsAreLookedUpToo() {
        FilterHarness h = harness("bannedCountries: [JP]").connect("2001:218::1");
        assertThat(h.get(GeoipVars.GEOIP_RESULT)).isEqualTo("JP");
        assertThat(h.last().verdict()).isInstanceOf(Verdict.Reject.class);
    }

    @Test
    void anAddressNotInTheDatabaseIsUnknownAndPassesByDefault() {
        FilterHarness h = harness("allowedCountries: [SE]").connect("1.1.1.1");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GeoipVars.GEOIP_RESULT)).isEmpty();
        assertThat(h.get(GeoipVars.STATUS)).isEqualTo("not-found");
        assertThat(h.get(GeoipVars.IS_GEOIP_BANNED)).isFalse();
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("GEOIP_UNKNOWN");
    }

    @Test
    void aRecordWithoutACountryIsUnknownAndBannedWhenUnknownIsBan() {
        FilterHarness h = harness("allowedCountries: [SE], unknown: ban").connect("214.1.1.1");
        assertThat(h.get(GeoipVars.STATUS)).isEqualTo("no-country");
        assertThat(h.get(GeoipVars.NETWORK)).isEqualTo("214.1.1.0/24");
        assertThat(wire(h.last())).isEqualTo("554 5.7.1 Connections from your country (unknown) are not accepted");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("GEOIP_UNKNOWN", "GEOIP_BANNED");
    }

    @Test
    void privateAndLoopbackClientsAreNeverLookedUpNorBanned() {
        for (String ip : List.of("10.1.2.3", "127.0.0.1", "192.168.1.1", "100.64.0.1", "::1", "fd00::1", "fe80::1", "::ffff:10.0.0.1")) {
            FilterHarness h = harness("allowedCountries: [SE], unknown: ban").connect(ip);
            assertThat(h.last().verdict()).as(ip).isEqualTo(Verdict.CONTINUE);
            assertThat(h.get(GeoipVars.STATUS)).as(ip).isEqualTo("private");
            assertThat(h.get(GeoipVars.IS_GEOIP_BANNED)).as(ip).isFalse();
            assertThat(h.get(StandardVars.FINDINGS)).as(ip).isEmpty();
        }
    }

    @Test
    void aClientWithoutAnAddressIsNeverBanned() {
        FilterHarness h = harness("allowedCountries: [SE], unknown: ban").connect("");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GeoipVars.STATUS)).isEqualTo("no-address");
    }

    @Test
    void reportOnlyMarksTheClientAndLeavesTheDecisionToThePolicy() {
        FilterHarness h = FilterHarness.of("""
                filters:
                  - geoip: { database: %s, bannedCountries: [GB], action: report }
                rules:
                  onConnect:
                    - if: IsGeoIPBanned && GeoIPResult == "GB"
                      then: { report: GB_CLIENT }
                scores: { GEOIP_BANNED: 3, GB_CLIENT: 1.5 }
                """.formatted(DB), new GeoipFilterFactory());
        h.connect("81.2.69.142").mailFrom("a@b.test");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GeoipVars.ACTION_GEOIP_BAN)).isEqualTo("report");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("GEOIP_BANNED", "GB_CLIENT");
        assertThat(h.get(StandardVars.SCORE)).isEqualTo(4.5);
    }

    @Test
    void tempRejectWithItsOwnReplyText() {
        FilterHarness h = harness("bannedCountries: [SE], action: tempreject, reply: \"450 4.7.1 not from ${GeoIPResult} today\"")
                .connect("89.160.20.112");
        assertThat(wire(h.last())).isEqualTo("450 4.7.1 not from SE today");
    }

    @Test
    void itDecidesAtConnectOnlyWhenABanCanRefuse() {
        var onlyVars = FilterHarness.load("filters:\n  - geoip: { database: " + DB + " }\n", new GeoipFilterFactory());
        assertThat(onlyVars.chain(Stage.CONNECT)).hasSize(1);
        assertThat(onlyVars.decides(Stage.CONNECT)).as("no lists: only sets variables").isFalse();
        var report = FilterHarness.load("filters:\n  - geoip: { database: " + DB + ", bannedCountries: [GB], action: report }\n",
                new GeoipFilterFactory());
        assertThat(report.decides(Stage.CONNECT)).isFalse();
        var reject = FilterHarness.load("filters:\n  - geoip: { database: " + DB + ", bannedCountries: [GB] }\n", new GeoipFilterFactory());
        assertThat(reject.decides(Stage.CONNECT)).isTrue();
        assertThat(reject.chain(Stage.MAIL_FROM)).isEmpty();
    }

    @Test
    void aRuleOfOnConnectMayReadTheVariables() {
        FilterHarness h = FilterHarness.of("""
                filters:
                  - geoip: { database: %s }
                rules:
                  onConnect:
                    - if: GeoIPResult == "SE" && geoip.status == "country" && "SE" in AllowedCountries == false
                      then: { reject: "554 5.7.1 no mail from ${GeoIPResult} (${geoip.network})" }
                """.formatted(DB), new GeoipFilterFactory());
        assertThat(wire(h.connect("89.160.20.112").last())).isEqualTo("554 5.7.1 no mail from SE (89.160.20.112/28)");
    }

    @Test
    void theShippedDatabaseIsTheDefault() {
        // RIR infrastructure addresses: RIPE NCC (NL) and APNIC (AU), stable across refreshes
        FilterHarness nl = FilterHarness.of("filters:\n  - geoip: { bannedCountries: [NL] }\n", new GeoipFilterFactory())
                .connect("193.0.6.139");
        assertThat(nl.get(GeoipVars.GEOIP_RESULT)).isEqualTo("NL");
        assertThat(nl.last().verdict()).isInstanceOf(Verdict.Reject.class);
        FilterHarness au = FilterHarness.of("filters:\n  - geoip: { bannedCountries: [NL] }\n", new GeoipFilterFactory())
                .connect("2001:dc0:2001::1");
        assertThat(au.get(GeoipVars.GEOIP_RESULT)).isEqualTo("AU");
        assertThat(au.get(GeoipVars.REGISTERED_COUNTRY)).as("plain country_code records have none").isEmpty();
        assertThat(au.last().verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void aRecordWithOnlyARegisteredCountryUsesItUnlessSwitchedOff() throws IOException {
        CountryDatabase registeredOnly = address -> new CountryAnswer(true, "", "FR", "192.88.99.0/24");
        GeoipFilter.Placement p = filter(registeredOnly, true).place("81.2.69.1");
        assertThat(p.status()).isEqualTo(LookupStatus.REGISTERED_COUNTRY);
        assertThat(p.country()).isEqualTo("FR");
        assertThat(filter(registeredOnly, false).place("81.2.69.1").status()).isEqualTo(LookupStatus.NO_COUNTRY);
    }

    @Test
    void aFailingLookupGetsTheFiltersOnErrorNeverAPass() {
        CountryDatabase broken = address -> {
            throw new IOException("damaged record");
        };
        FilterFactory factory = new FilterFactory() {
            @Override
            public String type() {
                return "geoip";
            }

            @Override
            public Filter create(FilterSettings settings, FilterServices services) {
                return filter(broken, true);
            }
        };
        FilterHarness h = FilterHarness.of("filters:\n  - geoip: { onError: tempreject }\n", factory).connect("81.2.69.142");
        assertThat(h.last().verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("GEOIP_ERROR");
    }

    private static GeoipFilter filter(CountryDatabase db, boolean useRegistered) {
        return new GeoipFilter(db, new CountryRules(List.of(), List.of("FR"), false), GeoipFilter.Action.REJECT,
                "554 5.7.1 no", useRegistered);
    }

    @Test
    void badSettingsAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - geoip: { bannedCountries: [GBR] }\n", new GeoipFilterFactory()))
                .hasMessageContaining("harness.yaml:2:").hasMessageContaining("'GBR' is not a two-letter ISO 3166-1 country code");
        assertThatThrownBy(() -> harness("allowedCountries: [SE], bannedCountries: [se]"))
                .hasMessageContaining("SE is both allowed and banned");
        assertThatThrownBy(() -> harness("action: drop")).hasMessageContaining("must be reject, tempreject or report, not 'drop'");
        assertThatThrownBy(() -> harness("unknown: maybe")).hasMessageContaining("must be allow or ban");
        assertThatThrownBy(() -> harness("format: csv")).hasMessageContaining("must be auto, geoip2, country_code, not 'csv'");
        assertThatThrownBy(() -> harness("action: tempreject, reply: \"550 5.7.1 go\""))
                .hasMessageContaining("action tempreject needs a 4xx reply, not 550");
        assertThatThrownBy(() -> harness("reply: \"451 4.7.1 later\"")).hasMessageContaining("action reject needs a 5xx reply, not 451");
        assertThatThrownBy(() -> harness("action: report, reply: \"554 no\"")).hasMessageContaining("action report never replies");
        assertThatThrownBy(() -> harness("bannedCountry: [GB]")).hasMessageContaining("unknown key 'bannedCountry'");
    }

    @Test
    void aMissingDatabaseIsRefusedNamingTheFile(@TempDir Path dir) {
        Path missing = dir.resolve("GeoLite2-Country.mmdb");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - geoip: { database: " + missing + " }\n", new GeoipFilterFactory()))
                .hasMessageContaining("harness.yaml:2:")
                .hasMessageContaining("database: " + missing + ": does not exist");
    }

    @Test
    void aCorruptDatabaseIsRefusedByThePolicyLoaderWithFileAndReason() {
        Path bad = Conformance.BAD_DATA.resolve("static/MaxMind-DB-test-broken-search-tree-24.mmdb");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - geoip: { database: " + bad + " }\n", new GeoipFilterFactory()))
                .hasMessageContaining("harness.yaml:2:")
                .hasMessageContaining(bad + ": corrupt search tree: node 0 is its own descendant (a loop)");
    }
}
