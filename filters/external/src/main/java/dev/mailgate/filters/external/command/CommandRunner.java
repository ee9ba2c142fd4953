// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.command;

import dev.mailgate.filters.external.MessageStream;
import dev.mailgate.filters.external.ScannerException;
import dev.mailgate.filters.external.ScannerTimeoutException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one command: the message on its stdin (written by a separate thread, so a command that
 * stops reading cannot block us), stdout and stderr into a temporary file (nothing to drain, no
 * deadlock), bounded in time. A command still running when time is up, or when the chain's
 * deadline interrupts the wait, is killed with everything it started.
 */
final class CommandRunner {
    static final int MAX_OUTPUT = 4096;

    /** How the command ended: its exit code and the start of what it printed. */
    record Outcome(int exitCode, String output) {
        /** The first non-empty line of the output, at most 200 characters (for replies and variables). */
        String firstLine() {
            for (String l : output.split("\n")) {
                String s = l.strip();
                if (!s.isEmpty()) return s.length() > 200 ? s.substring(0, 200) : s;
            }
            return "";
        }
    }

    /** Supplies the message for stdin; opened once per run. */
    @FunctionalInterface
    interface Input {
        InputStream open() throws IOException;
    }

    private final Path tempDirectory;

    CommandRunner(Path tempDirectory) {
        this.tempDirectory = tempDirectory;
    }

    /**
     * @param stdin     the message, or null for an empty stdin
     * @param killAfter the command's own time limit, or null (only the chain's deadline)
     */
    Outcome run(List<String> argv, Map<String, String> env, Input stdin, Duration killAfter) throws IOException {
        Path out = Files.createTempFile(tempDirectory, "mailgate-command-", ".out");
        Process p = null;
        try {
            ProcessBuilder pb = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile());
            Map<String, String> e = pb.environment();
            e.keySet().retainAll(List.of("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ"));
            e.putIfAbsent("PATH", "/usr/local/bin:/usr/bin:/bin");
            e.putAll(env);
            try {
                p = pb.start();
            } catch (IOException ex) {
                throw new ScannerException("command " + argv.get(0) + " cannot start: " + ex.getMessage(), ex);
            }
            Process proc = p;
            if (stdin == null) {
                p.getOutputStream().close();
            } else {
                Thread.ofVirtual().name("command-stdin").start(() -> feed(stdin, proc.getOutputStream()));
            }
            boolean finished;
            try {
                if (killAfter == null) {
                    p.waitFor();
                    finished = true;
                } else {
                    finished = p.waitFor(killAfter.toNanos(), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("command " + argv.get(0) + " interrupted by the chain's deadline");
            }
            if (!finished) {
                throw new ScannerTimeoutException("command " + argv.get(0) + " did not finish within " + killAfter.toMillis() + " ms; killed", null);
            }
            return new Outcome(p.exitValue(), head(out));
        } finally {
            if (p != null && p.isAlive()) kill(p);
            Files.deleteIfExists(out);
        }
    }

    private static void feed(Input stdin, OutputStream to) {
        try (InputStream in = stdin.open(); OutputStream o = to) {
            MessageStream.copy(in, o);
        } catch (IOException ignored) {
            // the command closed its stdin early (it may not need the whole message) or was killed
        }
    }

    /** Kills the command and what it started, at once: the deadline is a promise to the MTA. */
    private static void kill(Process p) {
        List<ProcessHandle> children = p.descendants().toList();
        p.destroyForcibly();
        children.forEach(ProcessHandle::destroyForcibly);
    }

    private static String head(Path out) throws IOException {
        try (InputStream in = Files.newInputStream(out)) {
            return new String(in.readNBytes(MAX_OUTPUT), StandardCharsets.UTF_8).replace("\r", "");
        }
    }
}
