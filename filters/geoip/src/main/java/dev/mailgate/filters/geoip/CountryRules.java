// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.util.List;

/**
 * Axigen's AllowedCountries / BannedCountries: a country is banned if it is listed as banned, or
 * if an allow list exists and it is not on it. A client whose country is unknown (not in the
 * database, or a record without a country) is banned only when {@code banUnknown}.
 *
 * @param allowed    ISO codes allowed (empty = every country not banned)
 * @param banned     ISO codes banned
 * @param banUnknown ban clients the database cannot place
 */
record CountryRules(List<String> allowed, List<String> banned, boolean banUnknown) {
    CountryRules {
        allowed = List.copyOf(allowed);
        banned = List.copyOf(banned);
    }

    /** True if a client of {@code country} ("" = unknown) is banned. */
    boolean bans(String country) {
        if (country.isEmpty()) return banUnknown;
        if (banned.contains(country)) return true;
        return !allowed.isEmpty() && !allowed.contains(country);
    }

    /** True if any client can be banned at all (otherwise the filter only sets variables). */
    boolean canBan() {
        return !allowed.isEmpty() || !banned.isEmpty() || banUnknown;
    }

    /** Why {@code country} is banned, for the finding's detail. */
    String reason(String country) {
        if (country.isEmpty()) return "country unknown";
        if (banned.contains(country)) return country + " is in BannedCountries";
        return country + " is not in AllowedCountries";
    }
}
