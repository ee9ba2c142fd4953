// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.util.concurrent.ConcurrentHashMap;

/** Concurrent connections per client address, shared by all event loops of a listener. */
final class ConnectionLimiter {
    private final int max;
    private final ConcurrentHashMap<String, Integer> open = new ConcurrentHashMap<>();

    /** @param max connections allowed per address; 0 = no limit */
    ConnectionLimiter(int max) {
        this.max = max;
    }

    boolean acquire(String ip) {
        if (max <= 0) return true;
        boolean[] ok = new boolean[1];
        open.compute(ip, (k, n) -> {
            int c = n == null ? 0 : n;
            ok[0] = c < max;
            return ok[0] ? c + 1 : (c == 0 ? null : c);
        });
        return ok[0];
    }

    void release(String ip) {
        if (max <= 0) return;
        open.computeIfPresent(ip, (k, n) -> n <= 1 ? null : n - 1);
    }
}
