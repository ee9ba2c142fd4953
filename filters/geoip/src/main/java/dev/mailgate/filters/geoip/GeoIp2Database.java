// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import com.maxmind.db.CHMCache;
import com.maxmind.db.Network;
import com.maxmind.db.Reader;
import com.maxmind.geoip2.DatabaseReader;
import com.maxmind.geoip2.exception.GeoIp2Exception;
import com.maxmind.geoip2.model.CountryResponse;
import java.io.File;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;

/**
 * A MaxMind GeoIP2 / GeoLite2 Country, City or Enterprise database, read with the GeoIP2 API's
 * country view ({@code tryCountry}, which City and Enterprise files answer too). Memory-mapped;
 * decoded records are cached by the reader (CHMCache), so a lookup mostly walks the tree.
 */
final class GeoIp2Database implements CountryDatabase {
    private final DatabaseReader reader;
    private final boolean ipv4Only;

    GeoIp2Database(File file, boolean ipv4Only) throws IOException {
        this.reader = new DatabaseReader.Builder(file).fileMode(Reader.FileMode.MEMORY_MAPPED).withCache(new CHMCache()).build();
        this.ipv4Only = ipv4Only;
    }

    @Override
    public CountryAnswer lookup(InetAddress address) throws IOException {
        // the reader throws for an IPv6 address in an IPv4-only file; such an address is simply not in it
        if (ipv4Only && address instanceof Inet6Address) return CountryAnswer.NOT_FOUND;
        Optional<CountryResponse> r;
        try {
            r = reader.tryCountry(address);
        } catch (GeoIp2Exception e) {
            throw new IOException(e.getMessage(), e);
        }
        if (r.isEmpty()) return CountryAnswer.NOT_FOUND;
        CountryResponse c = r.get();
        Network n = c.getTraits().getNetwork();
        return new CountryAnswer(true, c.getCountry().getIsoCode(), c.getRegisteredCountry().getIsoCode(),
                n == null ? "" : n.toString());
    }
}
