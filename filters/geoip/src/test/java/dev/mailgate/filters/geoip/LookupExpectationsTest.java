// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Data-driven: every row of lookup-expectations.tsv (21 addresses x GeoIP2-Country, GeoLite2-Country
 * and GeoIP2-City test databases, verified with the GeoIP2 API's tryCountry) gives the same
 * country, registered country and matched network through our loader, or "not found".
 */
class LookupExpectationsTest {
    private static final Map<String, CountryDatabase> OPEN = new ConcurrentHashMap<>();

    /** One expected lookup; "" for the TSV's null; {@code found} false for "(not found)". */
    record Row(String database, String ip, boolean found, String country, String registered, String network) {
        @Override
        public String toString() {
            return database + " " + ip;
        }
    }

    static List<Row> rows() throws Exception {
        return Files.readAllLines(Conformance.DIR.resolve("lookup-expectations.tsv")).stream()
                .filter(l -> !l.isBlank() && !l.startsWith("#"))
                .map(l -> l.split("\t"))
                .map(f -> f[2].equals("(not found)")
                        ? new Row(f[0], f[1], false, "", "", "")
                        : new Row(f[0], f[1], true, orEmpty(f[2]), orEmpty(f[3]), f[6]))
                .toList();
    }

    private static String orEmpty(String v) {
        return v.equals("null") ? "" : v;
    }

    @Test
    void theTableIsComplete() throws Exception {
        assertThat(rows()).hasSize(63);
    }

    @ParameterizedTest
    @MethodSource("rows")
    void lookupMatches(Row row) throws Exception {
        CountryDatabase db = OPEN.computeIfAbsent(row.database(),
                f -> DatabaseLoader.open(Conformance.testDb(f), Optional.empty()).database());
        CountryAnswer a = db.lookup(InetAddress.getByName(row.ip())); // literals only: no DNS
        assertThat(a.found()).as("found").isEqualTo(row.found());
        assertThat(a.country()).as("country").isEqualTo(row.country());
        assertThat(a.registeredCountry()).as("registered country").isEqualTo(row.registered());
        assertThat(a.network()).as("matched network").isEqualTo(row.network());
    }

    @Test
    void everyDatabaseOfTheTableIsDetectedAsGeoIp2() {
        for (String f : List.of("GeoIP2-Country-Test.mmdb", "GeoLite2-Country-Test.mmdb", "GeoIP2-City-Test.mmdb", "GeoLite2-City-Test.mmdb")) {
            DatabaseInfo info = DatabaseLoader.open(Path.of(Conformance.TEST_DATA.toString(), f), Optional.empty()).info();
            assertThat(info.format()).as(f).isEqualTo(DatabaseFormat.GEOIP2);
            assertThat(info.records()).as(f).isGreaterThan(40);
        }
    }
}
