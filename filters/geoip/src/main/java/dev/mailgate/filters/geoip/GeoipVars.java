// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import static dev.mailgate.api.Scope.CONNECTION;
import static dev.mailgate.api.Stage.CONNECT;

import dev.mailgate.api.Var;
import java.util.List;

/**
 * The variables the {@code geoip} filter sets at onConnect. The first five keep the names of
 * Axigen's {@code checkGeoIp} (the seeds' vocabulary); the {@code geoip.*} ones say how the
 * answer was reached.
 */
public final class GeoipVars {
    private GeoipVars() {}

    /** ISO 3166-1 alpha-2 code of the client's country; empty when unknown. */
    public static final Var<String> GEOIP_RESULT = Var.string("GeoIPResult", CONNECTION, CONNECT,
            "ISO 3166-1 country code of the client's IP (empty if unknown, private or no IP)");
    /** True when the client's country is banned by the allowed / banned lists. */
    public static final Var<Boolean> IS_GEOIP_BANNED = Var.bool("IsGeoIPBanned", CONNECTION, CONNECT,
            "the client's country is banned (in BannedCountries, or not in a non-empty AllowedCountries)");
    /** The filter's {@code allowedCountries}. */
    public static final Var<List<String>> ALLOWED_COUNTRIES = Var.stringList("AllowedCountries", CONNECTION, CONNECT,
            "countries allowed by the geoip filter (empty = all not banned)");
    /** The filter's {@code bannedCountries}. */
    public static final Var<List<String>> BANNED_COUNTRIES = Var.stringList("BannedCountries", CONNECTION, CONNECT,
            "countries banned by the geoip filter");
    /** The filter's {@code action}: reject, tempreject or report. */
    public static final Var<String> ACTION_GEOIP_BAN = Var.string("ActionGeoIPBan", CONNECTION, CONNECT,
            "what the geoip filter does with a banned country: reject, tempreject or report");
    /** How GeoIPResult was found; one of the {@link LookupStatus} words. */
    public static final Var<String> STATUS = Var.string("geoip.status", CONNECTION, CONNECT,
            "country, registered-country, no-country, not-found, private or no-address");
    /** The country the network is registered to (MaxMind databases only). */
    public static final Var<String> REGISTERED_COUNTRY = Var.string("geoip.registeredCountry", CONNECTION, CONNECT,
            "ISO code of the country the client's network is registered to (GeoIP2/GeoLite2 only)");
    /** The database network that matched, in CIDR form. */
    public static final Var<String> NETWORK = Var.string("geoip.network", CONNECTION, CONNECT,
            "the database network that matched the client's IP, e.g. 81.2.69.160/27");

    /** Every variable the filter provides. */
    public static final List<Var<?>> ALL = List.of(GEOIP_RESULT, IS_GEOIP_BANNED, ALLOWED_COUNTRIES, BANNED_COUNTRIES,
            ACTION_GEOIP_BAN, STATUS, REGISTERED_COUNTRY, NETWORK);
}
