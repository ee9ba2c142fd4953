// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import dev.mailgate.core.policy.Policy;
import java.io.PrintStream;

/** {@code mailgate check POLICY}: validates and prints the effective chain per event. */
final class CheckCommand {
    private CheckCommand() {}

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length != 1) throw new Options.UsageException("check takes exactly one policy file");
        try (Policy p = Policies.load(args[0])) {
            out.print(p.describe());
            out.println("OK");
            return 0;
        }
    }
}
