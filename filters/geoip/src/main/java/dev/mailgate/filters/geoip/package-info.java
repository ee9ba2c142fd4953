// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code geoip} filter: Axigen's {@code checkGeoIp} at onConnect.
 *
 * <pre>
 * filters:
 *   - geoip:
 *       database: /var/lib/GeoIP/GeoLite2-Country.mmdb  # default: the shipped geoip-data/ database
 *       format: auto               # auto (from the metadata) | geoip2 | country_code
 *       allowedCountries: [DE, AT, CH]   # AllowedCountries: if given, every other country is banned
 *       bannedCountries: [XX]      # BannedCountries
 *       action: reject             # ActionGeoIPBan: reject | tempreject | report (only set variables, report)
 *       reply: "554 5.7.1 Connections from ${GeoIPResult} are not accepted"
 *       unknown: allow             # allow | ban: clients the database cannot place
 *       useRegisteredCountry: true # a record without a country: use the country the network is registered to
 * </pre>
 *
 * <p>Sets {@code GeoIPResult} (ISO 3166-1 code, "" if unknown), {@code IsGeoIPBanned},
 * {@code AllowedCountries}, {@code BannedCountries}, {@code ActionGeoIPBan}, and
 * {@code geoip.status} ({@code country}, {@code registered-country}, {@code no-country},
 * {@code not-found}, {@code private}, {@code no-address}), {@code geoip.registeredCountry},
 * {@code geoip.network}. Reports {@code GEOIP_UNKNOWN} (a public address the database cannot
 * place) and {@code GEOIP_BANNED}; their weights belong in the policy's {@code scores:}. Private,
 * loopback and other non-global clients are never looked up and never banned. With no lists, or
 * with {@code action: report}, the filter only sets variables and the MTA need not wait for it.
 *
 * <p>Databases: MaxMind GeoIP2 / GeoLite2 Country, City and Enterprise files (read with the GeoIP2
 * API), and plain country files whose records are just {@code {country_code}} (read with the
 * low-level MaxMind DB reader), told apart by the metadata's {@code database_type}. The file is
 * memory-mapped and checked in full when the policy loads (metadata, every search-tree node,
 * every distinct record), so a missing, corrupt or foreign file is refused then, with its name and
 * what is wrong; a reload (SIGHUP) opens the file afresh, which is how an updated database is
 * picked up.
 */
package dev.mailgate.filters.geoip;
