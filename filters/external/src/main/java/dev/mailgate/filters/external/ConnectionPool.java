// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * Idle connections to one scanner, for protocols that allow several requests per connection
 * (clamd's IDSESSION). A connection idle longer than {@code maxIdleTime} is closed rather than
 * reused, because the scanner drops idle clients (clamd: {@code IdleTimeout}, 30 s by default).
 */
public final class ConnectionPool implements AutoCloseable {
    private final int maxIdle;
    private final Duration maxIdleTime;
    private final Consumer<ScannerConnection> goodbye;
    private final ArrayDeque<ScannerConnection> idle = new ArrayDeque<>();
    private boolean closed;

    /**
     * @param maxIdle     connections kept open between requests (0: no reuse)
     * @param goodbye     what to send before closing a reused connection (may be a no-op)
     */
    public ConnectionPool(int maxIdle, Duration maxIdleTime, Consumer<ScannerConnection> goodbye) {
        this.maxIdle = maxIdle;
        this.maxIdleTime = maxIdleTime;
        this.goodbye = goodbye;
    }

    /** An idle connection still young enough, or null. */
    public ScannerConnection take() {
        while (true) {
            ScannerConnection c;
            synchronized (this) {
                c = idle.pollLast();
            }
            if (c == null) return null;
            if (c.isOpen() && c.idle().compareTo(maxIdleTime) < 0) return c;
            retire(c);
        }
    }

    /** Gives a healthy connection back after a complete exchange. */
    public void give(ScannerConnection c) {
        boolean keep;
        synchronized (this) {
            keep = !closed && c.isOpen() && idle.size() < maxIdle;
            if (keep) idle.addLast(c);
        }
        if (!keep) retire(c);
    }

    public boolean reuses() {
        return maxIdle > 0;
    }

    private void retire(ScannerConnection c) {
        if (c.isOpen()) {
            try {
                goodbye.accept(c);
            } catch (RuntimeException ignored) {
                // a connection being dropped; the scanner cleans up on EOF
            }
        }
        c.close();
    }

    @Override
    public void close() {
        ArrayDeque<ScannerConnection> all;
        synchronized (this) {
            closed = true;
            all = new ArrayDeque<>(idle);
            idle.clear();
        }
        all.forEach(this::retire);
    }
}
