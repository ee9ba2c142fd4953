// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

/** How the filter arrived at GeoIPResult; the word is the value of {@code geoip.status}. */
enum LookupStatus {
    /** The record's country (where the network is). */
    COUNTRY("country"),
    /** The record had no country; GeoIPResult is the country the network is registered to. */
    REGISTERED_COUNTRY("registered-country"),
    /** The address is in the database, but its record names no country (e.g. anycast). */
    NO_COUNTRY("no-country"),
    /** No network of the database contains the address. */
    NOT_FOUND("not-found"),
    /** A private, loopback or otherwise non-global address: not looked up, never banned. */
    PRIVATE("private"),
    /** The client has no IP address (unix socket, unknown family). */
    NO_ADDRESS("no-address");

    private final String word;

    LookupStatus(String word) {
        this.word = word;
    }

    String word() {
        return word;
    }

    /** True for the outcomes where the database could not name a country for a public address. */
    boolean isUnknown() {
        return this == NO_COUNTRY || this == NOT_FOUND;
    }
}
