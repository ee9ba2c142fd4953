// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import com.maxmind.db.CHMCache;
import com.maxmind.db.DatabaseRecord;
import com.maxmind.db.MaxMindDbConstructor;
import com.maxmind.db.MaxMindDbParameter;
import com.maxmind.db.Reader;
import java.io.File;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * A plain country database whose records are just {@code {country_code: "DE"}} (the shipped
 * ip-location-db file), read with the low-level MaxMind DB reader: the GeoIP2 API would find no
 * {@code country} in such records. Memory-mapped, records cached by the reader.
 */
final class CountryCodeDatabase implements CountryDatabase {
    private final Reader reader;
    private final boolean ipv4Only;

    CountryCodeDatabase(File file, boolean ipv4Only) throws IOException {
        this.reader = new Reader(file, Reader.FileMode.MEMORY_MAPPED, new CHMCache());
        this.ipv4Only = ipv4Only;
    }

    @Override
    public CountryAnswer lookup(InetAddress address) throws IOException {
        if (ipv4Only && address instanceof Inet6Address) return CountryAnswer.NOT_FOUND;
        DatabaseRecord<CountryCodeRecord> r = reader.getRecord(address, CountryCodeRecord.class);
        if (r.getData() == null) return CountryAnswer.NOT_FOUND;
        return new CountryAnswer(true, r.getData().countryCode(), "", r.getNetwork().toString());
    }


    /** The one field of a record; other keys are skipped by the decoder. Public for its reflection. */
    public static final class CountryCodeRecord {
        private final String countryCode;

        @MaxMindDbConstructor
        public CountryCodeRecord(@MaxMindDbParameter(name = "country_code") String countryCode) {
            this.countryCode = countryCode;
        }

        String countryCode() {
            return countryCode;
        }
    }
}
