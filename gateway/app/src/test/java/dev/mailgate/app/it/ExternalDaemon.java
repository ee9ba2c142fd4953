// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A scanner daemon (clamd, spamd, rspamd, opendkim) started by a test in the foreground with a
 * private configuration, its output in a log file; {@link #close()} stops it and every process it
 * forked (their pids descend from the one started here, nothing else is signalled).
 */
final class ExternalDaemon implements AutoCloseable {
    private final String name;
    private final Process process;
    private final Path log;

    private ExternalDaemon(String name, Process process, Path log) {
        this.name = name;
        this.process = process;
        this.log = log;
    }

    /** Starts {@code command} and waits until {@code ready} holds. */
    static ExternalDaemon start(String name, List<String> command, Path log, Duration timeout, BooleanSupplier ready) {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + command, e);
        }
        ExternalDaemon d = new ExternalDaemon(name, p, log);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready.getAsBoolean()) {
            if (!p.isAlive()) {
                d.close();
                throw new IllegalStateException(name + " exited with " + p.exitValue() + " during start:\n" + d.log());
            }
            if (System.nanoTime() > deadline) {
                d.close();
                throw new IllegalStateException(name + " not ready within " + timeout + ":\n" + d.log());
            }
            sleep(50);
        }
        return d;
    }

    String log() {
        try {
            String s = new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        List<ProcessHandle> children = process.descendants().toList();
        process.destroy();
        children.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle c : children) {
            try {
                c.onExit().get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                c.destroyForcibly();
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + process.pid() + ")";
    }
}
