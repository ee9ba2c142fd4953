// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bytes of one message handed off the event loop and not processed yet (queued disk writes,
 * body chunks waiting for the pipeline). The session stops reading from the client while the
 * backlog is {@link #full()}, and is told to read again once it drained below the low mark: so a
 * client faster than the disk or the filters cannot make us buffer its message in memory.
 */
final class Backlog {
    static final long HIGH = 512 * 1024;
    static final long LOW = 128 * 1024;

    private final AtomicLong bytes = new AtomicLong();
    /** The reader was told to stop and has not been woken since. */
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final Executor loop;
    private final Runnable drained;

    /** @param drained run on {@code loop} when a stopped reader may read again */
    Backlog(Executor loop, Runnable drained) {
        this.loop = loop;
        this.drained = drained;
    }

    /** Any thread: {@code n} bytes were handed off. */
    void add(long n) {
        bytes.addAndGet(n);
    }

    /** Any thread: {@code n} handed-off bytes were processed (or dropped). */
    void done(long n) {
        long left = bytes.addAndGet(-n);
        if (left <= LOW && stopped.compareAndSet(true, false)) loop.execute(drained);
    }

    /**
     * On the event loop, before asking for more client bytes: true = do not read now, the
     * drained callback will come. Marks the stop before looking again, so a drain that happens
     * in between is never missed.
     */
    boolean full() {
        if (bytes.get() <= HIGH) return false;
        stopped.set(true);
        if (bytes.get() > LOW) return true; // a later done() brings it to LOW and wakes the reader
        // drained meanwhile: read on (should done() have seen the mark too, one read more is harmless)
        stopped.set(false);
        return false;
    }

    long bytes() {
        return bytes.get();
    }
}
