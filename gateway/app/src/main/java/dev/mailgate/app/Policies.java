// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.policy.PolicyLoader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;

/** Loads a policy from a file, or the embedded default ({@code policies/default.yaml}). */
final class Policies {
    static final String EMBEDDED = "embedded:policies/default.yaml";

    private Policies() {}

    static PolicyLoader loader() {
        return new PolicyLoader(FilterRegistry.discover(), Clock.systemUTC());
    }

    static Policy load(String fileOrNull) {
        return fileOrNull == null ? embedded() : loader().load(Path.of(fileOrNull));
    }

    static Policy embedded() {
        try (InputStream in = Policies.class.getResourceAsStream("policies/default.yaml")) {
            if (in == null) throw new PolicyException(EMBEDDED, 0, 0, "the embedded default policy is missing from the build");
            return loader().parse(EMBEDDED, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new PolicyException(EMBEDDED, 0, 0, "cannot read the embedded default policy: " + e);
        }
    }
}
