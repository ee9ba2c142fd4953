// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Loopback port helpers: pick a free 127.0.0.1 port, wait until something listens on one.
 *
 * <p>{@link #freePort()} has the usual bind-then-close race; it never hands out the same port
 * twice in one JVM, so components started one after another in a test do not collide with each
 * other, only (rarely) with an unrelated process.
 */
public final class LocalPorts {

    /** 127.0.0.1; everything the harness starts listens there only. */
    public static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private static final Set<Integer> HANDED_OUT = new HashSet<>();

    private LocalPorts() {
    }

    /** A currently free TCP port on 127.0.0.1 that this JVM has not handed out before. */
    public static synchronized int freePort() {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket s = new ServerSocket()) {
                s.bind(new InetSocketAddress(LOOPBACK, 0));
                int port = s.getLocalPort();
                if (HANDED_OUT.add(port)) {
                    return port;
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind an ephemeral port on 127.0.0.1", e);
            }
        }
        throw new IllegalStateException("no fresh free port found after 50 attempts");
    }

    /**
     * Whether a TCP socket is listening on 127.0.0.1:{@code port} (or on the wildcard address).
     *
     * <p>Reads {@code /proc/net/tcp} instead of connecting: a probe connection would reach
     * Postfix's smtpd, which opens a milter session for it and logs a lost connection; that would
     * pollute the milter's and the maillog's view of the test. Falls back to a connect when
     * /proc/net/tcp is unreadable or lists no listening socket at all (some sandboxes).
     */
    public static boolean isListening(int port) {
        Path table = Path.of("/proc/net/tcp");
        if (Files.isReadable(table)) {
            String suffix = String.format(":%04X", port);
            try (var lines = Files.lines(table)) {
                // columns: sl local_address rem_address st ...; st 0A = LISTEN; address is little-endian hex
                List<String> listening = lines.skip(1).map(String::trim).map(l -> l.split("\\s+"))
                        .filter(f -> f.length > 3 && f[3].equals("0A")).map(f -> f[1]).toList();
                // an empty table means this kernel/sandbox does not report sockets there: probe instead
                if (!listening.isEmpty()) {
                    return listening.contains("0100007F" + suffix) || listening.contains("00000000" + suffix);
                }
            } catch (IOException | UncheckedIOException e) {
                // fall through to the connect probe
            }
        }
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(LOOPBACK, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Polls until 127.0.0.1:{@code port} accepts connections; false when {@code timeout} expires. */
    public static boolean awaitListening(int port, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isListening(port)) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Processes.sleep(50);
        }
        return true;
    }
}
