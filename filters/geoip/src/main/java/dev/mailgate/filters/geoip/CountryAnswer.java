// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

/**
 * What a country database says about one address.
 *
 * @param found             the address lies in a network of the database
 * @param country           ISO code of the country where the network is, or "" if the record has none
 * @param registeredCountry ISO code of the country the network is registered to, or ""
 * @param network           the matching network in CIDR form, or "" when not found
 */
record CountryAnswer(boolean found, String country, String registeredCountry, String network) {
    static final CountryAnswer NOT_FOUND = new CountryAnswer(false, "", "", "");

    CountryAnswer {
        country = country == null ? "" : country;
        registeredCountry = registeredCountry == null ? "" : registeredCountry;
        network = network == null ? "" : network;
    }
}
