// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Opening databases: the shipped one, one inside a jar, and files that are not usable. */
class DatabaseLoaderTest {
    static final Path DB = Conformance.testDb("GeoIP2-Country-Test.mmdb");

    @Test
    void theShippedDatabaseIsAPlainCountryCodeFile() throws IOException {
        DatabaseLoader.Loaded shipped = DatabaseLoader.openShipped(Path.of("target"), Optional.empty());
        assertThat(shipped.info().name()).isEqualTo("the shipped database geo-whois-asn-country.mmdb");
        assertThat(shipped.info().type()).isEqualTo("country ipvAll");
        assertThat(shipped.info().format()).isEqualTo(DatabaseFormat.COUNTRY_CODE);
        assertThat(shipped.info().records()).as("one record per country").isBetween(200, 300);
        assertThat(shipped.info().builtAt()).isAfter(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(shipped.database().lookup(InetAddress.getByName("193.0.6.139")).country()).isEqualTo("NL");
    }

    @Test
    void aDatabaseInsideAJarIsCopiedMappedAndTheCopyDeleted(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("data.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("data/test.mmdb"));
            Files.copy(DB, out);
            out.closeEntry();
        }
        Path temp = Files.createDirectory(dir.resolve("tmp"));
        DatabaseLoader.Loaded db = DatabaseLoader.openResource(URI.create("jar:" + jar.toUri() + "!/data/test.mmdb").toURL(),
                "the test jar's database", temp, Optional.empty());
        assertThat(db.database().lookup(InetAddress.getByName("89.160.20.112")).country()).isEqualTo("SE");
        try (var left = Files.list(temp)) {
            assertThat(left).as("the temp copy is gone, its mapping lives on").isEmpty();
        }
        assertThat(db.database().lookup(InetAddress.getByName("81.2.69.142")).country()).isEqualTo("GB");
    }

    @Test
    void aMissingTempDirectoryIsNamedWhenTheJarCopyFails(@TempDir Path dir) throws IOException {
        Path jar = dir.resolve("data.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            out.putNextEntry(new JarEntry("x.mmdb"));
            Files.copy(DB, out);
        }
        Path nowhere = dir.resolve("no-such-dir");
        assertThatThrownBy(() -> DatabaseLoader.openResource(URI.create("jar:" + jar.toUri() + "!/x.mmdb").toURL(), "shipped", nowhere,
                Optional.empty())).hasMessageStartingWith("shipped: cannot be unpacked to " + nowhere + ": NoSuchFileException");
    }

    @Test
    void emptyTruncatedAndForeignFilesAreRefusedNamingTheFile(@TempDir Path dir) throws IOException {
        Path empty = Files.createFile(dir.resolve("empty.mmdb"));
        assertThatThrownBy(() -> DatabaseLoader.open(empty, Optional.empty())).hasMessage(empty + ": is empty (0 bytes)");
        Path text = Files.writeString(dir.resolve("text.mmdb"), "not a database\n");
        assertThatThrownBy(() -> DatabaseLoader.open(text, Optional.empty()))
                .hasMessage(text + ": not a MaxMind DB file (no metadata marker in its last 128 KiB)");
        byte[] good = Files.readAllBytes(DB);
        Path cut = Files.write(dir.resolve("cut.mmdb"), Arrays.copyOfRange(good, 0, good.length - 40));
        assertThatThrownBy(() -> DatabaseLoader.open(cut, Optional.empty())).hasMessageStartingWith(cut + ": corrupt metadata");
        Path headless = Files.write(dir.resolve("headless.mmdb"), Arrays.copyOfRange(good, good.length - 3000, good.length));
        assertThatThrownBy(() -> DatabaseLoader.open(headless, Optional.empty()))
                .hasMessageStartingWith(headless + ": node_count ").hasMessageContaining("does not fit the file");
        assertThatThrownBy(() -> DatabaseLoader.open(dir, Optional.empty())).hasMessage(dir + ": is a directory, not a .mmdb file");
    }

    @Test
    void aDatabaseOfTheWrongKindIsRefused() {
        Path asn = Conformance.testDb("GeoLite2-ASN-Test.mmdb");
        assertThatThrownBy(() -> DatabaseLoader.open(asn, Optional.empty()))
                .hasMessageStartingWith(asn + ": database type 'GeoLite2-ASN' is not a country database");
        Path anonymous = Conformance.testDb("GeoIP2-Anonymous-IP-Test.mmdb");
        assertThatThrownBy(() -> DatabaseLoader.open(anonymous, Optional.empty()))
                .hasMessageStartingWith(anonymous + ": database type 'GeoIP2-Anonymous-IP' is not a country database");
        Path city = Conformance.testDb("GeoIP2-City-Test.mmdb");
        assertThatThrownBy(() -> DatabaseLoader.open(city, Optional.of(DatabaseFormat.COUNTRY_CODE)))
                .hasMessage(city + ": none of its 63 records has a country code: not a country_code database");
    }

    @Test
    void aTreeThatLoopsIsRefusedBeforeAnyLookup(@TempDir Path dir) throws IOException {
        // point the root's left record back at the root: a lookup would walk in circles
        byte[] b = Files.readAllBytes(DB);
        b[0] = 0;
        b[1] = 0;
        b[2] = 0;
        Path loop = Files.write(dir.resolve("loop.mmdb"), b);
        assertThatThrownBy(() -> DatabaseLoader.open(loop, Optional.empty()))
                .hasMessage(loop + ": corrupt search tree: node 0 is its own descendant (a loop)");
    }
}
