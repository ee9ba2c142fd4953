// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.testkit.FilterHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad settings are refused when the policy loads, with the position and a clear reason. */
class SpfFilterFactoryTest {
    private static void load(String settings) {
        FilterHarness.load("filters:\n  - spf: " + settings + "\n", new SpfFilterFactory());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{ deadline: 0s }                                | must be longer than 0",
            "{ deadline: 10s, timeout: 5s }                  | must be shorter than the filter's timeout (5000 ms)",
            "{ maxDnsTerms: 11 }                             | must be 1 to 10",
            "{ maxDnsTerms: 0 }                              | must be 1 to 10",
            "{ maxVoidLookups: -1 }                          | must be 0 to 10",
            "{ headers: [Received-SPF, X-Spf] }              | unknown header 'X-Spf'",
            "{ authservId: 'mx example' }                    | must be a host name",
            "'{ explanation: \"%{x} denied\" }'              | macro letter 'x' is not allowed",
            "'{ explanation: \"50% off\" }'                  | '%' must be followed by",
            "{ exp: x }                                      | unknown key 'exp'",
    })
    void badSettingsAreRefusedWithTheirPosition(String settings, String message) {
        assertThatThrownBy(() -> load(settings)).hasMessageContaining("harness.yaml:2:").hasMessageContaining(message);
    }

    @Test
    void everySettingAtItsLimitLoads() {
        FilterHarness.load("filters:\n  - spf: { helo: true, deadline: 2s, timeout: 3s, maxVoidLookups: 0 }\n", new SpfFilterFactory());
    }
}
