// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's variable reference and Quick start stay true to the code. */
class ReadmeTest {
    private static final Path README = Path.of("../../README.md");

    @Test
    void everyStandardVariableIsDocumented() throws Exception {
        String text = Files.readString(README);
        for (Var<?> v : StandardVars.ALL) {
            assertThat(text).as("README documents %s", v.name()).contains("`" + v.name() + "`");
        }
    }

    @Test
    void everyExportedMetricIsDocumented() throws Exception {
        String text = Files.readString(README);
        String scrape = new dev.mailgate.app.metrics.GatewayMetrics(Policies.embedded()).scrape();
        java.util.List<String> families = scrape.lines().filter(l -> l.startsWith("# TYPE ")).map(l -> l.split(" ")[2]).toList();
        assertThat(families).hasSizeGreaterThan(30);
        for (String f : families) assertThat(text).as("README's Metrics section names %s", f).contains("`" + f + "`");
    }

    @Test
    void quickStartHasExactlyTwoCommandBlocks() throws Exception {
        String text = Files.readString(README);
        String qs = text.substring(text.indexOf("## Quick start"), text.indexOf("\n## ", text.indexOf("## Quick start") + 5));
        assertThat(qs.split("```", -1)).hasSize(5); // two fenced blocks
        assertThat(qs).contains("gateway/app/bin/mailgate run").contains(".ci/mvn -B verify");
    }
}
