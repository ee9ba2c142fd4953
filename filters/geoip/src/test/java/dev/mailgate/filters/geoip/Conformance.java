// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The MaxMind DB test files (Apache-2.0 OR MIT, see src/test/resources/conformance/README.md and
 * its LICENSE-* files), copied from the shared conformance set so the tests run anywhere.
 */
final class Conformance {
    static final Path DIR = Path.of("src/test/resources/conformance");
    static final Path TEST_DATA = DIR.resolve("test-data");
    static final Path BAD_DATA = DIR.resolve("bad-data");

    private Conformance() {}

    static Path testDb(String file) {
        return TEST_DATA.resolve(file);
    }

    /** Every .mmdb under bad-data/, sorted. */
    static List<Path> badFiles() {
        try (Stream<Path> s = Files.walk(BAD_DATA)) {
            return s.filter(p -> p.toString().endsWith(".mmdb")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
