// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The shared store: Redis through one Lettuce connection (standalone, Sentinel or Cluster). Every
 * operation is one command or one Lua script, so one round trip; operations a filter starts
 * together are pipelined on the connection.
 *
 * <p>When Redis does not answer (down, unreachable, slower than {@code timeout}), the operation
 * is answered per {@code fallback}: {@code local} from the process's memory (mail keeps flowing
 * with node-local state), or {@code fail} with a {@link StoreUnavailableException} (the filter's
 * {@code onError} decides). Either way the outage is logged once and counted, and Redis is left
 * alone for {@code retry} before it is asked again; when it answers, shared state resumes. What
 * was counted locally meanwhile stays local.
 */
final class RedisStore implements KeyValueStore {
    private final String prefix;
    private final RedisConnector connector;
    private final Availability availability;
    private final MemoryStore local;
    private final boolean fallBackLocally;

    RedisStore(RedisConnector connector, String prefix, Availability availability, MemoryStore local, boolean fallBackLocally) {
        this.connector = connector;
        this.prefix = prefix;
        this.availability = availability;
        this.local = local;
        this.fallBackLocally = fallBackLocally;
    }

    private String k(String key) {
        return prefix + key;
    }

    @Override
    public CompletableFuture<Optional<String>> get(String key) {
        return run(c -> c.get(k(key)).thenApply(Optional::ofNullable), () -> local.getNow(key));
    }

    @Override
    public CompletableFuture<Void> put(String key, String value, Duration ttl) {
        return run(c -> c.set(k(key), value, SetArgs.Builder.px(millis(ttl))).thenApply(ok -> (Void) null), () -> {
            local.putNow(key, value, ttl);
            return null;
        });
    }

    @Override
    public CompletableFuture<Optional<String>> putIfAbsent(String key, String value, Duration ttl) {
        return run(c -> this.<String>script(c, RedisScript.PUT_IF_ABSENT, ScriptOutputType.VALUE, key, value, Long.toString(millis(ttl)))
                .thenApply(Optional::ofNullable), () -> local.putIfAbsentNow(key, value, ttl));
    }

    @Override
    public CompletableFuture<Long> increment(String key, long delta, Duration ttl) {
        return run(c -> this.<Long>script(c, RedisScript.INCREMENT, ScriptOutputType.INTEGER, key, Long.toString(delta), Long.toString(millis(ttl))),
                () -> local.incrementNow(key, delta, ttl));
    }

    @Override
    public CompletableFuture<Boolean> delete(String key) {
        return run(c -> c.del(k(key)).thenApply(n -> n > 0), () -> local.deleteNow(key));
    }

    @Override
    public CompletableFuture<WindowCount> countInWindow(String key, long cost, long limit, Duration window) {
        // the slot comes from the gateway's clock, not Redis's: every node and the memory store agree
        Windows at = Windows.at(local.clock().millis(), window);
        return run(c -> this.<List<Object>>script(c, RedisScript.WINDOW, ScriptOutputType.MULTI, key,
                        Long.toString(at.slot()), Long.toString(at.slot() - 1), Double.toString(at.previousWeight()),
                        Long.toString(cost), Long.toString(limit), Long.toString(at.ttl().toMillis()))
                        .thenApply(r -> new WindowCount((Long) r.get(0), ((Long) r.get(1)) == 1L)),
                () -> local.countInWindowNow(key, cost, limit, window));
    }

    private <T> CompletionStage<T> script(RedisClusterAsyncCommands<String, String> c, RedisScript s, ScriptOutputType type,
                                          String key, String... args) {
        String[] keys = {k(key)};
        return c.<T>evalsha(s.sha1(), type, keys, args).handle((v, err) -> {
            if (err == null) return CompletableFuture.completedFuture(v);
            if (unwrap(err) instanceof RedisNoScriptException) return c.<T>eval(s.text(), type, keys, args).toCompletableFuture();
            return CompletableFuture.<T>failedFuture(err);
        }).thenCompose(Function.identity());
    }

    /** Runs {@code remote} on Redis if it is worth asking; otherwise, or if it fails, the fallback. */
    private <T> CompletableFuture<T> run(Function<RedisClusterAsyncCommands<String, String>, CompletionStage<T>> remote, Supplier<T> fallback) {
        if (!availability.tryBackend()) return fallback(fallback, null);
        return connector.commands()
                .thenCompose(remote)
                .handle((v, err) -> {
                    if (err == null) {
                        availability.succeeded();
                        return CompletableFuture.completedFuture(v);
                    }
                    availability.failed(err);
                    return fallback(fallback, err);
                })
                .thenCompose(Function.identity());
    }

    private <T> CompletableFuture<T> fallback(Supplier<T> fallback, Throwable cause) {
        if (fallBackLocally) {
            availability.fellBack();
            return CompletableFuture.completedFuture(fallback.get());
        }
        String why = cause == null ? "Redis is unavailable (recent failure, waiting to retry)" : "Redis failed: " + Availability.describe(cause);
        return CompletableFuture.failedFuture(new StoreUnavailableException(why, cause, isTimeout(cause)));
    }

    private static boolean isTimeout(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof RedisCommandTimeoutException || c instanceof TimeoutException
                    || c instanceof io.netty.channel.ConnectTimeoutException) return true;
        }
        return false;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    private static long millis(Duration ttl) {
        return Math.max(1, ttl.toMillis());
    }

    @Override
    public boolean completesImmediately() {
        return false;
    }

    @Override
    public StoreHealth health() {
        return new StoreHealth("redis", availability.isUp(), availability.failures(), availability.fallbacks());
    }

    @Override
    public void close() {
        connector.close();
        local.close();
    }
}
