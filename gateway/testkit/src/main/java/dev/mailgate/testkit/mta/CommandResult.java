// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.util.List;

/**
 * Outcome of an external command run by the harness (postfix, postqueue, miltertest, ...).
 *
 * @param command  the argument vector that was executed
 * @param exitCode the exit status, or -1 when the command was killed after its time limit
 * @param output   stdout and stderr interleaved, as text (carriage returns removed)
 * @param timedOut whether the time limit expired and the process tree was killed
 */
public record CommandResult(List<String> command, int exitCode, String output, boolean timedOut) {

    public CommandResult {
        command = List.copyOf(command);
    }

    /** True when the command finished in time with exit status 0. */
    public boolean ok() {
        return !timedOut && exitCode == 0;
    }

    /** Throws {@link IllegalStateException} with the command and its output unless {@link #ok()}. */
    public CommandResult orThrow() {
        if (!ok()) {
            throw new IllegalStateException(describe());
        }
        return this;
    }

    /** One human-readable paragraph: command, status and output; used in failure messages. */
    public String describe() {
        String status = timedOut ? "timed out" : "exit " + exitCode;
        return String.join(" ", command) + " -> " + status + (output.isBlank() ? "" : ":\n" + output.strip());
    }
}
