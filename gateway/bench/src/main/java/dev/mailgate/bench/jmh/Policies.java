// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench.jmh;

import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

/** Policies for the benchmarks: the repository's own (copied into the jar by the build) or given as text. */
final class Policies {
    private Policies() {
    }

    /** {@code policies/<name>.yaml} of the repository, as packaged in mailgate-bench.jar. */
    static Policy shipped(String name) {
        String file = "policies/" + name + ".yaml";
        try (InputStream in = Policies.class.getClassLoader().getResourceAsStream(file)) {
            if (in == null) throw new IllegalStateException(file + " is not on the class path (build gateway/bench with Maven)");
            return parse(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Policy parse(String name, String yaml) {
        return new PolicyLoader(FilterRegistry.discover(), Clock.systemUTC()).parse(name, yaml);
    }
}
