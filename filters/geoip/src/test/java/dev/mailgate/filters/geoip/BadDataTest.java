// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every corrupt database of the MaxMind DB test suite (bad-data/) is refused at load with a
 * GeoipDatabaseException naming the file: whether the format is detected or forced, so the
 * refusal is not only the type check, and never a raw decoder exception or a stack overflow.
 */
class BadDataTest {
    static List<Path> badFiles() {
        return Conformance.badFiles();
    }

    @Test
    void theWholeSuiteIsThere() {
        assertThat(badFiles()).hasSize(24);
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void refusedWithTheFormatDetected(Path file) {
        assertThatThrownBy(() -> DatabaseLoader.open(file, Optional.empty()))
                .isInstanceOf(GeoipDatabaseException.class)
                .hasMessageStartingWith(file + ": ");
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void refusedWhenReadAsCountryCodeRecords(Path file) {
        assertThatThrownBy(() -> DatabaseLoader.open(file, Optional.of(DatabaseFormat.COUNTRY_CODE)))
                .isInstanceOf(GeoipDatabaseException.class)
                .hasMessageStartingWith(file + ": ");
    }

    @ParameterizedTest
    @MethodSource("badFiles")
    void refusedWhenReadAsGeoIp2Records(Path file) {
        assertThatThrownBy(() -> DatabaseLoader.open(file, Optional.of(DatabaseFormat.GEOIP2)))
                .isInstanceOf(GeoipDatabaseException.class)
                .hasMessageStartingWith(file + ": ");
    }
}
