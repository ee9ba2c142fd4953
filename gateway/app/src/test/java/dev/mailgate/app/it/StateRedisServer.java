// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import dev.mailgate.testkit.mta.LocalPorts;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A private redis-server for the shared-state integration tests: 127.0.0.1 on a free port, its own
 * directory and config, nothing saved, stopped by the test or at JVM exit. The system's redis
 * service is never involved ({@code .ci/deps/redis.sh} installs the binary).
 */
final class StateRedisServer implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/redis-server");

    private final Path dir;
    private final int port = LocalPorts.freePort();
    private final Thread reaper = new Thread(this::kill, "state-redis-reaper");
    private Process process;

    StateRedisServer(Path dir) {
        this.dir = dir;
        Runtime.getRuntime().addShutdownHook(reaper);
    }

    static boolean isAvailable() {
        return Files.isExecutable(BINARY);
    }

    String uri() {
        return "redis://127.0.0.1:" + port + "/0";
    }

    /** Starts it (again, on the same port: empty, as a restart without persistence is). */
    StateRedisServer start() {
        try {
            Files.createDirectories(dir);
            Path conf = dir.resolve("redis.conf");
            Files.write(conf, List.of("bind 127.0.0.1", "port " + port, "dir " + dir, "save \"\"", "appendonly no",
                    "daemonize no", "logfile " + dir.resolve("redis.log")));
            process = new ProcessBuilder(BINARY.toString(), conf.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("stdout.log").toFile()))
                    .redirectInput(new File("/dev/null")).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start redis-server in " + dir, e);
        }
        if (!LocalPorts.awaitListening(port, Duration.ofSeconds(15)) || !process.isAlive()) {
            kill();
            throw new IllegalStateException("redis-server did not listen on 127.0.0.1:" + port + "; see " + dir.resolve("redis.log"));
        }
        return this;
    }

    /** Stops it (SIGTERM, then SIGKILL after 10 s). */
    void stop() {
        kill();
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

    @Override
    public void close() {
        kill();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down: the hook runs anyway
        }
    }
}
