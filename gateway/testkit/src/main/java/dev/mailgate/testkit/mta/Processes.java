// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/** Running external commands and stopping daemons by pid; shared by the MTA wrappers. */
final class Processes {

    private Processes() {
    }

    /** Runs a command with the given time limit; see {@link #run(List, Duration, Map, Path)}. */
    static CommandResult run(List<String> command, Duration timeout) {
        return run(command, timeout, Map.of(), null);
    }

    /**
     * Runs {@code command}, stdin from /dev/null, stdout+stderr into a temporary file.
     *
     * <p>A file rather than a pipe because the commands here start daemons (postfix start,
     * sendmail -bd): a daemon that inherited the pipe would keep it open and a reader waiting for
     * EOF would hang. On timeout the whole process tree is killed.
     */
    static CommandResult run(List<String> command, Duration timeout, Map<String, String> env, Path workDir) {
        return run(command, timeout, env, workDir, null);
    }

    /** Like {@link #run(List, Duration, Map, Path)} with stdin read from {@code stdin} (null: /dev/null). */
    static CommandResult run(List<String> command, Duration timeout, Map<String, String> env, Path workDir,
                             Path stdin) {
        Path out = null;
        try {
            out = Files.createTempFile("mailgate-cmd", ".out");
            ProcessBuilder pb = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(stdin != null ? stdin.toFile() : new File("/dev/null")));
            pb.environment().putAll(env);
            if (workDir != null) {
                pb.directory(workDir.toFile());
            }
            Process p = pb.start();
            boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!finished) {
                killTree(p.toHandle(), Duration.ofSeconds(2));
            }
            // not Files.readString: it throws on malformed UTF-8, and tool output may be 8-bit
            String text = readLenient(out).replace("\r", "");
            return new CommandResult(command, finished ? p.exitValue() : -1, text, !finished);
        } catch (IOException e) {
            return new CommandResult(command, 127, "cannot run: " + e, false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + command, e);
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a leftover temp file is harmless
                }
            }
        }
    }

    /** Runs {@code command} under {@code script(1)} so that tools that only report to a tty do. */
    static CommandResult runWithTty(String shellCommand, Duration timeout) {
        // -e: return the child's exit status (without it script always exits 0)
        CommandResult r = run(List.of("script", "-qec", shellCommand, "/dev/null"), timeout);
        return new CommandResult(List.of(shellCommand), r.exitCode(), r.output(), r.timedOut());
    }

    /** The first number in a pid file (Sendmail writes "pid\ncommand line"), if any. */
    static OptionalLong readPid(Path pidFile) {
        try {
            String s = Files.readString(pidFile, StandardCharsets.US_ASCII).strip();
            String first = s.split("\\s+", 2)[0];
            return first.matches("\\d+") ? OptionalLong.of(Long.parseLong(first)) : OptionalLong.empty();
        } catch (IOException | UncheckedIOException e) {
            return OptionalLong.empty();
        }
    }

    /**
     * The live daemon recorded in {@code pidFile}, if its command line contains {@code commandPart}
     * and it started before the pid file was written. Both checks guard against a stale pid file
     * whose number now belongs to an unrelated process, which must never be signalled.
     */
    static Optional<ProcessHandle> daemon(Path pidFile, String commandPart) {
        OptionalLong pid = readPid(pidFile);
        if (pid.isEmpty()) {
            return Optional.empty();
        }
        Optional<ProcessHandle> h = ProcessHandle.of(pid.getAsLong()).filter(p -> !isGone(p));
        if (h.isEmpty()) {
            return h;
        }
        try {
            String cmdline = readLenient(Path.of("/proc", Long.toString(pid.getAsLong()), "cmdline"))
                    .replace('\0', ' ');
            Instant written = Files.getLastModifiedTime(pidFile).toInstant();
            Instant started = h.get().info().startInstant().orElse(Instant.EPOCH);
            boolean ours = cmdline.contains(commandPart) && !started.isAfter(written.plusSeconds(2));
            return ours ? h : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the process has exited. A daemon's parent is PID 1, and on some test machines PID 1
     * is not a real init and reaps late, so a zombie ("Z" in /proc/PID/stat) counts as exited.
     */
    static boolean isGone(ProcessHandle h) {
        if (!h.isAlive()) {
            return true;
        }
        try {
            String stat = readLenient(Path.of("/proc", Long.toString(h.pid()), "stat"));
            int paren = stat.lastIndexOf(')');
            return paren > 0 && paren + 2 < stat.length() && stat.charAt(paren + 2) == 'Z';
        } catch (IOException e) {
            return !h.isAlive();
        }
    }

    /** Waits until {@code h} has exited; true if it did within {@code timeout}. */
    static boolean awaitExit(ProcessHandle h, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isGone(h)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            sleep(20);
        }
        return true;
    }

    /** SIGTERM to the process and its descendants, then SIGKILL to whatever is left after the grace. */
    static void killTree(ProcessHandle root, Duration grace) {
        List<ProcessHandle> all = new ArrayList<>(root.descendants().toList());
        all.add(root);
        all.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + grace.toNanos();
        for (ProcessHandle h : all) {
            long left = Math.max(0, deadline - System.nanoTime());
            if (!awaitExit(h, Duration.ofNanos(left))) {
                h.destroyForcibly();
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Makes {@code dir} and its ancestors searchable (x) by other users, as Postfix's unprivileged
     * processes must reach the queue inside it. JUnit's {@code @TempDir} is created mode 0700, so
     * without this the master cannot even open its lock file as the postfix user. Only directories
     * under {@code java.io.tmpdir} are changed (adding x for group and others, never r or w);
     * an unsearchable ancestor elsewhere is reported instead of touched.
     */
    static void makeTraversable(Path dir) throws IOException {
        Path tmpRoot = Path.of(System.getProperty("java.io.tmpdir")).toRealPath();
        for (Path p = dir.toRealPath(); p != null; p = p.getParent()) {
            var perms = Files.getPosixFilePermissions(p);
            if (perms.contains(PosixFilePermission.OTHERS_EXECUTE)) {
                continue;
            }
            if (!p.startsWith(tmpRoot) || p.equals(tmpRoot)) {
                throw new IOException(p + " is not searchable by other users, so the postfix user cannot reach "
                        + dir + "; use a directory under " + tmpRoot + " or make " + p + " o+x");
            }
            perms.add(PosixFilePermission.GROUP_EXECUTE);
            perms.add(PosixFilePermission.OTHERS_EXECUTE);
            Files.setPosixFilePermissions(p, perms);
        }
    }

    /** Last {@code n} lines of a text file, or a note that it is missing. */
    static String tail(Path file, int n) {
        try {
            List<String> lines = readLenient(file).lines().toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
        } catch (IOException e) {
            return "(" + file + " not readable: " + e.getMessage() + ")";
        }
    }

    /** A file as UTF-8 text, malformed bytes replaced rather than thrown on (logs, /proc). */
    static String readLenient(Path file) throws IOException {
        return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
    }

    /** Whether an executable is on the PATH (or is an absolute path to an executable). */
    static boolean onPath(String name) {
        if (name.startsWith("/")) {
            return Files.isExecutable(Path.of(name));
        }
        String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) {
                return true;
            }
        }
        return false;
    }
}
