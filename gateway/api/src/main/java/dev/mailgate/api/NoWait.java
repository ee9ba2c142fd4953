// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.util.concurrent.Callable;

/**
 * A first try without waiting. A check that {@linkplain Filter#startsEarly starts early} costs a
 * thread hand-off; with a warm DNS cache it would finish at once, so the pipeline first calls it
 * on the session's own thread inside {@link #attempt}. A client of a slow service (the DNS
 * resolver) calls {@link #blockedIfAttempting()} where it would have to wait: the attempt is then
 * abandoned (its effects were only buffered) and the check runs again on its own thread, its
 * queries already in flight.
 */
public final class NoWait {
    private static final ThreadLocal<Attempt> CURRENT = new ThreadLocal<>();

    private NoWait() {}

    private static final class Attempt {
        boolean blocked;
    }

    /** Thrown (without a stack trace) where an attempt would have to wait. */
    public static final class Blocked extends RuntimeException {
        private static final Blocked INSTANCE = new Blocked();

        private Blocked() {
            super("the answer is not at hand", null, false, false);
        }
    }

    /** True inside {@link #attempt}, on the attempting thread. */
    public static boolean attempting() {
        return CURRENT.get() != null;
    }

    /**
     * True inside an attempt that has already had to wait somewhere, even if the callee caught
     * {@link Blocked}: its outcome will be thrown away and the call made again (the chain does
     * not count such a try as a call).
     */
    public static boolean blocked() {
        Attempt a = CURRENT.get();
        return a != null && a.blocked;
    }

    /** Where a caller would wait: inside an attempt, marks it as failed and throws {@link Blocked}. */
    public static void blockedIfAttempting() {
        Attempt a = CURRENT.get();
        if (a != null) {
            a.blocked = true;
            throw Blocked.INSTANCE;
        }
    }

    /**
     * Runs {@code call} without waiting. The result, or null if it had to wait somewhere (even if
     * the callee caught {@link Blocked}) or failed: the caller then runs it the normal way.
     */
    public static <T> T attempt(Callable<T> call) {
        Attempt a = new Attempt();
        Attempt outer = CURRENT.get();
        CURRENT.set(a);
        try {
            T v = call.call();
            return a.blocked ? null : v;
        } catch (Exception e) {
            return null;
        } finally {
            if (outer == null) CURRENT.remove();
            else CURRENT.set(outer);
        }
    }
}
