// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import dev.mailgate.testkit.mta.LocalPorts;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private redis-server (or Sentinel) for tests: 127.0.0.1 on a free port, its own directory and
 * config, no persistence, stopped by the test (and at JVM exit at the latest). The system's redis
 * service is never involved. {@code .ci/deps/redis.sh} installs the binary.
 */
final class RedisServer implements AutoCloseable {
    static final Duration START = Duration.ofSeconds(15);

    private final Path dir;
    private final int port;
    private final List<String> config;
    private final boolean sentinel;
    private Process process;
    private final Thread reaper = new Thread(this::kill, "redis-server-reaper");

    private RedisServer(Path dir, int port, List<String> config, boolean sentinel) {
        this.dir = dir;
        this.port = port;
        this.config = config;
        this.sentinel = sentinel;
    }

    static boolean isAvailable() {
        return Files.isExecutable(Path.of("/usr/bin/redis-server"));
    }

    /** A plain server with extra config lines ({@code cluster-enabled yes}, ...). */
    static RedisServer start(Path dir, String... extra) {
        int port = LocalPorts.freePort();
        List<String> lines = new ArrayList<>(List.of("bind 127.0.0.1", "port " + port, "dir " + dir, "save \"\"",
                "appendonly no", "daemonize no", "protected-mode yes", "logfile " + dir.resolve("redis.log")));
        lines.addAll(List.of(extra));
        RedisServer r = new RedisServer(dir, port, lines, false);
        r.launch();
        return r;
    }

    /** A Sentinel watching the master at {@code masterPort} as {@code mymaster} (quorum 1). */
    static RedisServer sentinel(Path dir, int masterPort) {
        int port = LocalPorts.freePort();
        List<String> lines = List.of("bind 127.0.0.1", "port " + port, "dir " + dir, "daemonize no",
                "logfile " + dir.resolve("sentinel.log"),
                "sentinel monitor mymaster 127.0.0.1 " + masterPort + " 1",
                "sentinel down-after-milliseconds mymaster 1000", "sentinel failover-timeout mymaster 5000");
        RedisServer r = new RedisServer(dir, port, lines, true);
        r.launch();
        return r;
    }

    int port() {
        return port;
    }

    String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    private void launch() {
        try {
            Files.createDirectories(dir);
            Path conf = dir.resolve(sentinel ? "sentinel.conf" : "redis.conf");
            Files.write(conf, config, StandardCharsets.UTF_8); // Sentinel rewrites it, so it must be ours and writable
            List<String> cmd = new ArrayList<>(List.of("/usr/bin/redis-server", conf.toString()));
            if (sentinel) cmd.add("--sentinel");
            process = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("stdout.log").toFile()).redirectInput(new File("/dev/null")).start();
            Runtime.getRuntime().addShutdownHook(reaper);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server in " + dir, e);
        }
        if (!LocalPorts.awaitListening(port, START) || !process.isAlive()) {
            String log = tail();
            kill();
            throw new IllegalStateException("redis-server did not listen on 127.0.0.1:" + port + " within " + START + "\n" + log);
        }
    }

    /** Stops the server (SIGTERM; nothing is saved, so its data is gone). */
    void stop() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException ignored) {
            // the JVM is already shutting down and the hook runs anyway
        }
    }

    /** Starts it again on the same port, empty. */
    void restart() {
        if (process != null && process.isAlive()) stop();
        launch();
    }

    boolean isRunning() {
        return process != null && process.isAlive();
    }

    private void kill() {
        Process p = process;
        if (p == null || !p.isAlive()) return;
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
    }

    /** Runs redis-cli against this server, bounded in time; returns its output. */
    String cli(String... args) {
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
        cmd.addAll(List.of(args));
        return run(cmd);
    }

    static String run(List<String> cmd) {
        try {
            Path out = Files.createTempFile("redis-cli", ".out");
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile())
                        .redirectInput(new File("/dev/null")).start();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IllegalStateException("timed out: " + cmd);
                }
                String text = Files.readString(out);
                if (p.exitValue() != 0) throw new IllegalStateException(cmd + " exited " + p.exitValue() + ": " + text);
                return text.strip();
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private String tail() {
        try {
            Path log = dir.resolve(sentinel ? "sentinel.log" : "redis.log");
            Path f = Files.exists(log) ? log : dir.resolve("stdout.log");
            List<String> lines = Files.readAllLines(f);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        stop();
    }
}
