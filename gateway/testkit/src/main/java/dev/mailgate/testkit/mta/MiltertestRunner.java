// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs OpenDKIM's {@code miltertest} (package {@code miltertest}), which plays the MTA side of the
 * milter protocol from a Lua script, against a milter.
 *
 * <pre>{@code
 * CommandResult r = new MiltertestRunner()
 *         .define("sock", "inet:" + port + "@127.0.0.1")
 *         .timeout(Duration.ofSeconds(20))
 *         .run(Path.of("smoke.lua"));
 * assertThat(r.exitCode()).as(r.output()).isZero();
 * }</pre>
 *
 * <p>{@code -D name=value} defines a Lua global. Exit status 0 means every assertion in the script
 * passed. Note (miltertest 2.11.0~beta2): socket syntax is libmilter's ({@code inet:PORT@HOST},
 * {@code unix:/path}); {@code mt.eom_check(conn, MT_SMTPREPLY, ...)} after a REPLYCODE at EOM
 * aborts the script with status 1.
 */
public final class MiltertestRunner {

    private final Map<String, String> defines = new LinkedHashMap<>();
    private Duration timeout = Duration.ofSeconds(30);
    private boolean verbose;

    /** Whether {@code miltertest} is installed. */
    public static boolean isAvailable() {
        return Processes.onPath("miltertest");
    }

    /** Adds {@code -D name=value} (a Lua global visible to the script). */
    public MiltertestRunner define(String name, String value) {
        defines.put(name, value);
        return this;
    }

    /** Kills miltertest after this long (default 30 s); the result then has {@code timedOut()}. */
    public MiltertestRunner timeout(Duration timeout) {
        this.timeout = timeout;
        return this;
    }

    /** Adds {@code -v} (miltertest echoes each step). */
    public MiltertestRunner verbose(boolean verbose) {
        this.verbose = verbose;
        return this;
    }

    /** Runs the script file. */
    public CommandResult run(Path script) {
        List<String> cmd = new ArrayList<>(List.of("miltertest"));
        if (verbose) {
            cmd.add("-v");
        }
        defines.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-s");
        cmd.add(script.toAbsolutePath().toString());
        return Processes.run(cmd, timeout);
    }

    /** Writes {@code luaSource} to a temporary file, runs it and deletes the file. */
    public CommandResult runSource(String luaSource) {
        Path tmp = null;
        try {
            tmp = Files.createTempFile("mailgate-miltertest", ".lua");
            Files.writeString(tmp, luaSource);
            return run(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // temp file left behind: harmless
                }
            }
        }
    }
}
