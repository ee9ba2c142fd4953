// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.io.IOException;
import java.net.InetAddress;

/**
 * An open, verified country database. Lookups are thread-safe and never touch the network; the
 * file is memory-mapped, so a lookup is a walk of at most 128 tree nodes plus (usually cached)
 * record decoding.
 */
interface CountryDatabase {
    /** The country of {@code address}; {@link CountryAnswer#NOT_FOUND} if no network contains it. */
    CountryAnswer lookup(InetAddress address) throws IOException;
}
