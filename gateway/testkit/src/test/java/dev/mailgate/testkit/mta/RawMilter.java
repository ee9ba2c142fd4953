// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Test fixture: the team's reference milter {@code rawmilter.py} (a protocol-level packet logger
 * that can modify, reject, quarantine or tempfail) as a child process on a free 127.0.0.1 port.
 * Found via -Dmailgate.rawmilter, $MAILGATE_RAWMILTER or /work/shared/reference/tools/rawmilter.py;
 * tests are skipped when it or python3 is missing.
 */
final class RawMilter implements AutoCloseable {

    private final Process process;
    private final int port;
    private final Path log;
    private final Path out;

    private RawMilter(Process process, int port, Path log, Path out) {
        this.process = process;
        this.port = port;
        this.log = log;
        this.out = out;
    }

    static Path script() {
        String configured = System.getProperty("mailgate.rawmilter", System.getenv("MAILGATE_RAWMILTER"));
        return Path.of(configured != null ? configured : "/work/shared/reference/tools/rawmilter.py");
    }

    static String python() {
        // prefer the Debian interpreter: a pyenv shim on PATH adds startup time
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** Starts rawmilter.py in {@code mode}, logging packets to {@code dir/rawmilter-PORT.jsonl}. */
    static RawMilter start(String mode, Path dir) {
        assumeTrue(Files.isReadable(script()), "rawmilter.py not found at " + script());
        int port = LocalPorts.freePort();
        Path log = dir.resolve("rawmilter-" + port + ".jsonl");
        Path out = dir.resolve("rawmilter-" + port + ".out");
        try {
            Process p = new ProcessBuilder(python(), script().toString(), "--port", Integer.toString(port),
                    "--mode", mode, "--log", log.toString())
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            RawMilter m = new RawMilter(p, port, log, out);
            if (!LocalPorts.awaitListening(port, Duration.ofSeconds(10))) {
                m.close();
                throw new IllegalStateException("rawmilter.py did not listen on " + port + ": " + Files.readString(out));
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    /** Postfix syntax. */
    String postfixAddress() {
        return "inet:127.0.0.1:" + port;
    }

    /** libmilter / Sendmail / miltertest syntax. */
    String libmilterAddress() {
        return "inet:" + port + "@127.0.0.1";
    }

    /** The JSON lines logged so far (one per milter packet, "dir" = mta|milter). */
    List<String> packets() {
        try {
            return Files.exists(log) ? Files.readAllLines(log) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(out);
        } catch (IOException ignored) {
            // left in the temp dir
        }
    }
}
