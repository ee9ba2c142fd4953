// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;

/**
 * Runs one session's tasks in submission order, one at a time, on virtual threads. A session
 * whose events answer quickly never queues; one that waits on a filter keeps later events (sent
 * without waiting under the milter no-reply flags) behind it.
 */
final class SerialExecutor {
    private final Executor threads;
    private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
    private boolean running;

    SerialExecutor(Executor threads) {
        this.threads = threads;
    }

    synchronized boolean isIdle() {
        return !running && queue.isEmpty();
    }

    void execute(Runnable task) {
        synchronized (this) {
            queue.add(task);
            if (running) return;
            running = true;
        }
        threads.execute(this::drain);
    }

    private void drain() {
        while (true) {
            Runnable next;
            synchronized (this) {
                next = queue.poll();
                if (next == null) {
                    running = false;
                    return;
                }
            }
            next.run(); // tasks complete their own futures and never throw
        }
    }
}
