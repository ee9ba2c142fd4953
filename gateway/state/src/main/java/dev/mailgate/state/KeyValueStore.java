// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * State that filters keep between sessions: greylisting triplets, rate counters, bans. One store
 * serves a whole policy; it is in memory by default and in Redis when several gateway nodes share
 * their state. Obtain it with {@code services.service(KeyValueStore.class)}.
 *
 * <p>Every operation is atomic on its key and asynchronous, so that a filter can start all the
 * operations one check needs and wait once: against Redis they travel together (one round trip).
 * Each future completes within the store's {@code timeout}, with a value or with a
 * {@link StoreUnavailableException}; {@link #await} turns it into a plain result.
 *
 * <p>Keys are plain strings ({@code gl:t:...}); a Redis store puts its configured prefix in
 * front. A key holds one kind of value: text ({@link #get}, {@link #put}, {@link #putIfAbsent}),
 * a counter ({@link #increment}) or a window ({@link #countInWindow}). Every write takes a time to
 * live, so nothing stays for ever; TTLs are a clean-up, and a filter whose rule depends on time
 * keeps the times in its values and compares them with its clock.
 */
public interface KeyValueStore extends AutoCloseable {

    /** The text value of {@code key}, if present. */
    CompletableFuture<Optional<String>> get(String key);

    /** Sets {@code key} to {@code value}, replacing any value and its time to live. */
    CompletableFuture<Void> put(String key, String value, Duration ttl);

    /**
     * Sets {@code key} only if it is absent.
     *
     * @return empty if this call stored {@code value}, else the value already there (unchanged)
     */
    CompletableFuture<Optional<String>> putIfAbsent(String key, String value, Duration ttl);

    /**
     * Adds {@code delta} to a counter, creating it at 0 with {@code ttl} if absent; later
     * increments keep the first time to live (a fixed window).
     *
     * @return the new value
     */
    CompletableFuture<Long> increment(String key, long delta, Duration ttl);

    /** Removes {@code key}; true if it was there. */
    CompletableFuture<Boolean> delete(String key);

    /**
     * A sliding-window counter: how many units were counted under {@code key} in the last
     * {@code window}, this call's {@code cost} included if it was allowed. The window is
     * approximated from two fixed slots (the current one, plus the previous one weighted by how
     * much of it still overlaps), which needs two numbers per key instead of one per event.
     *
     * <p>{@code cost} is added only if the result stays within {@code limit}, so a client that is
     * refused does not dig itself deeper; {@code cost} 0 only reads.
     */
    CompletableFuture<WindowCount> countInWindow(String key, long cost, long limit, Duration window);

    /**
     * True if every operation completes before it returns (the memory store): a filter that only
     * uses this store never waits for I/O and may say so ({@code Filter.blocking() == false}),
     * which spares it a thread hand-off per event.
     */
    boolean completesImmediately();

    /** Which backend answers and how often it failed (for logs, metrics, tests). */
    StoreHealth health();

    /** Releases connections and threads; the store must not be used afterwards. */
    @Override
    void close();

    /**
     * Waits for a store operation. Store operations are bounded by the store's own timeout, so
     * this never waits longer than that.
     *
     * @throws StoreUnavailableException if the store could not answer
     */
    static <T> T await(CompletableFuture<T> operation) {
        try {
            return operation.join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (cause instanceof StoreUnavailableException s) throw s;
            throw new StoreUnavailableException("store operation failed: " + cause, cause, false);
        }
    }
}
