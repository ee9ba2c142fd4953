// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import dev.mailgate.core.policy.Policy;

/** Policies from text for tests in other packages. */
public final class TestPolicies {
    private TestPolicies() {}

    public static Policy parse(String name, String yaml) {
        return Policies.loader().parse(name, yaml);
    }
}
