// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Opens a country database and proves it sound before the policy that names it goes live:
 * metadata ({@link MmdbMetadata}), the whole search tree ({@link SearchTreeCheck}), the database
 * type, and every distinct record decoded once through the lookup code itself. Whatever is wrong
 * becomes a {@link GeoipDatabaseException} naming the file, never a failure at a client's lookup.
 */
final class DatabaseLoader {
    /** The database in geoip-data/, packaged into this filter's jar; the default. */
    static final String SHIPPED_FILE = "geo-whois-asn-country.mmdb";
    static final String SHIPPED_NAME = "the shipped database " + SHIPPED_FILE;
    private static final Pattern ISO_CODE = Pattern.compile("[A-Z]{2}");

    private DatabaseLoader() {}

    /** A verified database and what it is. */
    record Loaded(CountryDatabase database, DatabaseInfo info) {}

    /** Opens {@code file}; {@code format} empty = detect from the metadata's database_type. */
    static Loaded open(Path file, Optional<DatabaseFormat> format) {
        return open(file, file.toString(), format);
    }

    /**
     * Opens the database shipped in geoip-data/. Inside a jar it is first copied to
     * {@code tempDirectory} (a jar entry cannot be memory-mapped); the copy is deleted as soon as
     * it is mapped, so nothing is left behind and the mapping lives on.
     */
    static Loaded openShipped(Path tempDirectory, Optional<DatabaseFormat> format) {
        URL url = DatabaseLoader.class.getResource("data/" + SHIPPED_FILE);
        if (url == null) {
            throw new GeoipDatabaseException(SHIPPED_NAME, "is not on the class path (the geoip filter's jar was built without geoip-data/)");
        }
        return openResource(url, SHIPPED_NAME, tempDirectory, format);
    }

    /** Opens a database given as a class-path URL: a file directly, a jar entry through a temp copy. */
    static Loaded openResource(URL url, String name, Path tempDirectory, Optional<DatabaseFormat> format) {
        if ("file".equals(url.getProtocol())) {
            try {
                return open(Path.of(url.toURI()), name, format);
            } catch (URISyntaxException e) {
                throw new GeoipDatabaseException(name, "has an unusable location " + url);
            }
        }
        Path copy = null;
        try (InputStream in = url.openStream()) {
            copy = Files.createTempFile(tempDirectory, "mailgate-geoip-", ".mmdb");
            Files.copy(in, copy, StandardCopyOption.REPLACE_EXISTING);
            return open(copy, name, format);
        } catch (IOException e) {
            throw new GeoipDatabaseException(name, "cannot be unpacked to " + tempDirectory + ": " + GeoipDatabaseException.describe(e));
        } finally {
            if (copy != null) {
                try {
                    Files.deleteIfExists(copy);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless; the next load writes a new one
                }
            }
        }
    }

    private static Loaded open(Path file, String name, Optional<DatabaseFormat> forced) {
        ByteBuffer bytes = map(file, name);
        MmdbMetadata md = MmdbMetadata.read(bytes, name);
        Map<Integer, InetAddress> samples = SearchTreeCheck.check(bytes, md, name);
        DatabaseFormat format = forced.orElseGet(() -> DatabaseFormat.detect(md.databaseType()).orElseThrow(() ->
                new GeoipDatabaseException(name, "database type '" + md.databaseType() + "' is not a country database (a GeoIP2/GeoLite2"
                        + " Country or City file, or a plain one with {country_code} records; set format: if the type name is unusual)")));
        CountryDatabase db = reader(file, name, format, md.ipVersion() == 4);
        verifyRecords(db, samples, name, format, forced.isPresent());
        return new Loaded(db, new DatabaseInfo(name, md.databaseType(), format, Instant.ofEpochSecond(md.buildEpoch()), samples.size()));
    }

    private static ByteBuffer map(Path file, String name) {
        if (!Files.exists(file)) throw new GeoipDatabaseException(name, "does not exist");
        if (Files.isDirectory(file)) throw new GeoipDatabaseException(name, "is a directory, not a .mmdb file");
        if (!Files.isReadable(file)) throw new GeoipDatabaseException(name, "is not readable by this process (check its permissions)");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size == 0) throw new GeoipDatabaseException(name, "is empty (0 bytes)");
            if (size > Integer.MAX_VALUE) throw new GeoipDatabaseException(name, "is larger than 2 GiB, which the MaxMind DB reader cannot map");
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, size);
        } catch (IOException e) {
            throw new GeoipDatabaseException(name, "cannot be read: " + GeoipDatabaseException.describe(e));
        }
    }

    private static CountryDatabase reader(Path file, String name, DatabaseFormat format, boolean ipv4Only) {
        try {
            return format == DatabaseFormat.GEOIP2 ? new GeoIp2Database(file.toFile(), ipv4Only) : new CountryCodeDatabase(file.toFile(), ipv4Only);
        } catch (IOException | RuntimeException e) {
            throw new GeoipDatabaseException(name, "cannot be opened as a MaxMind DB: " + GeoipDatabaseException.describe(e), e);
        }
    }

    /** Decodes every distinct record once, through {@link CountryDatabase#lookup}, and checks its codes. */
    private static void verifyRecords(CountryDatabase db, Map<Integer, InetAddress> samples, String name, DatabaseFormat format, boolean forced) {
        int withCountry = 0;
        for (Map.Entry<Integer, InetAddress> e : samples.entrySet()) {
            String where = "the record at data offset " + e.getKey() + " (for " + e.getValue().getHostAddress() + ")";
            CountryAnswer a;
            try {
                a = db.lookup(e.getValue());
            } catch (IOException | RuntimeException | StackOverflowError ex) {
                // StackOverflowError: the decoder recurses into nested maps and arrays, and a
                // crafted record nests deep enough to exhaust the stack; it unwinds cleanly here
                throw new GeoipDatabaseException(name, "corrupt data: " + where + " cannot be decoded as " + format.word()
                        + ": " + GeoipDatabaseException.describe(ex));
            }
            if (!a.found()) throw new GeoipDatabaseException(name, "corrupt data: the reader finds nothing for " + where);
            checkCode(a.country(), name, where);
            checkCode(a.registeredCountry(), name, where);
            if (!a.country().isEmpty() || !a.registeredCountry().isEmpty()) withCountry++;
        }
        if (withCountry == 0) {
            throw new GeoipDatabaseException(name, "none of its " + samples.size() + " records has a country code: not a "
                    + format.word() + " database" + (forced ? "" : " (set format: geoip2 or country_code if the type name misled the detection)"));
        }
    }

    private static void checkCode(String code, String name, String where) {
        if (!code.isEmpty() && !ISO_CODE.matcher(code).matches()) {
            throw new GeoipDatabaseException(name, where + " has country code '" + code + "', not two capital letters (ISO 3166-1)");
        }
    }
}
