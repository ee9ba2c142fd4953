// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.core.policy.Policy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every policy shipped in policies/ loads, and the embedded default is policies/default.yaml. */
class PoliciesTest {
    static Stream<Path> shipped() throws Exception {
        Path dir = Path.of("../../policies");
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
            assertThat(l).isNotEmpty();
            return l.stream();
        }
    }

    @ParameterizedTest
    @MethodSource("shipped")
    void loads(Path file) {
        Policy p = Policies.loader().load(file);
        assertThat(p.describe()).contains(file.toString());
    }

    @Test
    void embeddedDefaultIsTheShippedFile() throws Exception {
        Policy embedded = Policies.embedded();
        Policy file = Policies.loader().load(Path.of("../../policies/default.yaml"));
        assertThat(embedded.describe().replace(Policies.EMBEDDED, "X")).isEqualTo(file.describe().replace("../../policies/default.yaml", "X"));
        assertThat(embedded.listeners().get(0).address().toString()).isEqualTo("inet:127.0.0.1:8899");
    }
}
