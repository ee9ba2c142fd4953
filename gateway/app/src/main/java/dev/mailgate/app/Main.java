// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import dev.mailgate.core.policy.PolicyException;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The command line: {@code run}, {@code check} and {@code test}. The only main method.
 */
public final class Main {
    static final String USAGE = """
            usage: mailgate run [--policy FILE]        run the gateway (default: the embedded default policy)
                   mailgate check POLICY               validate a policy and print the chain per event
                   mailgate test --policy P --from A --rcpt B [--rcpt C ...] [--ip IP] [--helo H] FILE.eml
                                                       run one message through a policy offline
            """;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String[] rest = Arrays.copyOfRange(args, 1, args.length);
        try {
            return switch (args[0]) {
                case "run" -> RunCommand.run(Options.parse(rest, "policy"), err);
                case "check" -> CheckCommand.run(rest, out, err);
                case "test" -> TestCommand.run(Options.parse(rest, "policy", "from", "rcpt", "ip", "helo"), out, err);
                case "help", "--help", "-h" -> {
                    out.print(USAGE);
                    yield 0;
                }
                default -> {
                    err.println("unknown command '" + args[0] + "'");
                    err.print(USAGE);
                    yield 2;
                }
            };
        } catch (Options.UsageException e) {
            err.println(e.getMessage());
            err.print(USAGE);
            return 2;
        } catch (PolicyException e) {
            err.println(e.getMessage());
            return 1;
        }
    }
}
