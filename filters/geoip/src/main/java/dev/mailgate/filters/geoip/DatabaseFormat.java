// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** How the records of a country database are laid out. */
enum DatabaseFormat {
    /**
     * MaxMind GeoIP2 / GeoLite2 Country, City and Enterprise (and compatible files such as DB-IP's):
     * {@code country}, {@code registered_country}, ... read with the GeoIP2 API.
     */
    GEOIP2("geoip2"),
    /** Plain country files whose records are just {@code {country_code: "DE"}} (e.g. ip-location-db). */
    COUNTRY_CODE("country_code");

    private final String word;

    DatabaseFormat(String word) {
        this.word = word;
    }

    /** The word used in the {@code format:} setting. */
    String word() {
        return word;
    }

    static Optional<DatabaseFormat> byWord(String w) {
        return Arrays.stream(values()).filter(f -> f.word.equals(w)).findFirst();
    }

    /**
     * The format for a metadata {@code database_type}: the GeoIP2 API reads the types whose name
     * contains "Country", "City" or "Enterprise" (case as MaxMind writes it); any other type that
     * mentions a country is taken as a plain {@code country_code} file; anything else (ASN,
     * anonymous IP, test files) is not a country database.
     */
    static Optional<DatabaseFormat> detect(String databaseType) {
        if (databaseType.contains("Country") || databaseType.contains("City") || databaseType.contains("Enterprise")) {
            return Optional.of(GEOIP2);
        }
        if (databaseType.toLowerCase(Locale.ROOT).contains("country")) return Optional.of(COUNTRY_CODE);
        return Optional.empty();
    }
}
