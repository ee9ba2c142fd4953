// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The one Lettuce connection of a Redis store, opened on first use (never at policy load, which
 * must work with nothing running) and asynchronously, so no caller blocks on a connect.
 *
 * <p>A connection to one server (or to the master Sentinel names) is not reconnected in the
 * background: when it dropped, the next operation the store lets through opens a new one (and
 * asks Sentinel again), so reconnecting follows the store's {@code retry} and its log lines, not
 * a reconnect loop of its own. A cluster connection keeps Lettuce's reconnection, which its node
 * connections and topology refresh rely on. While disconnected, commands fail at once
 * ({@code REJECT_COMMANDS}) instead of queueing, so the store can fall back without waiting.
 */
final class RedisConnector implements AutoCloseable {
    private final RedisEndpoint endpoint;
    private final Duration timeout;
    private final Duration connectTimeout;
    private final Duration reconnectAtMost;
    private final AtomicReference<CompletableFuture<Open>> current = new AtomicReference<>();
    private ClientResources resources;
    private AbstractRedisClient client;
    private boolean closed;

    private record Open(StatefulConnection<String, String> connection, RedisClusterAsyncCommands<String, String> commands) {}

    /**
     * @param reconnectAtMost the longest pause between Lettuce's reconnect attempts of a cluster's
     *                        node connections (the store's {@code retry}: reconnecting more often
     *                        would only add log lines, as the store does not ask more often anyway)
     */
    RedisConnector(RedisEndpoint endpoint, Duration timeout, Duration connectTimeout, Duration reconnectAtMost) {
        this.endpoint = endpoint;
        this.timeout = timeout;
        this.connectTimeout = connectTimeout;
        this.reconnectAtMost = reconnectAtMost;
    }

    /** The commands of the open connection, or a connect in progress; fails if the connect fails. */
    CompletableFuture<RedisClusterAsyncCommands<String, String>> commands() {
        CompletableFuture<Open> f = current.get();
        if (f != null && f.isDone() && !f.isCompletedExceptionally() && !f.join().connection().isOpen()) {
            if (current.compareAndSet(f, null)) f.join().connection().closeAsync(); // dropped: open a new one
            f = current.get();
        }
        if (f == null || f.isCompletedExceptionally()) {
            CompletableFuture<Open> fresh = new CompletableFuture<>();
            if (current.compareAndSet(f, fresh)) connect(fresh);
            f = current.get();
        }
        if (f == null) return CompletableFuture.failedFuture(new IllegalStateException("the store is closed"));
        return f.thenApply(Open::commands);
    }

    private void connect(CompletableFuture<Open> result) {
        try {
            AbstractRedisClient c = client();
            CompletableFuture<? extends StatefulConnection<String, String>> connecting = c instanceof RedisClusterClient cc
                    // a cluster client connects only once it knows the topology: load it first, without blocking
                    ? cc.refreshPartitionsAsync().toCompletableFuture().thenCompose(loaded -> cc.connectAsync(StringCodec.UTF8))
                    : ((RedisClient) c).connectAsync(StringCodec.UTF8, endpoint.uris().get(0)).toCompletableFuture();
            connecting.whenComplete((conn, err) -> {
                if (err != null) {
                    result.completeExceptionally(err);
                } else if (conn instanceof StatefulRedisClusterConnection<String, String> cluster) {
                    result.complete(new Open(conn, cluster.async()));
                } else {
                    result.complete(new Open(conn, ((StatefulRedisConnection<String, String>) conn).async()));
                }
            });
        } catch (RuntimeException e) {
            result.completeExceptionally(e);
        }
    }

    private synchronized AbstractRedisClient client() {
        if (closed) throw new IllegalStateException("the store is closed");
        if (client != null) return client;
        resources = ClientResources.builder()
                .ioThreadPoolSize(2)
                .computationThreadPoolSize(2)
                // quick at first (a restart takes a second), then no more often than the store retries
                .reconnectDelay(Delay.exponential(Duration.ofMillis(100), reconnectAtMost, 2, TimeUnit.MILLISECONDS))
                .build();
        SocketOptions socket = SocketOptions.builder().connectTimeout(connectTimeout).keepAlive(true).build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(timeout);
        for (var uri : endpoint.uris()) uri.setTimeout(connectTimeout.plus(timeout));
        if (endpoint.cluster()) {
            RedisClusterClient c = RedisClusterClient.create(resources, endpoint.uris());
            c.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    // follow failovers and resharding as soon as a node says MOVED or goes away
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder().enableAllAdaptiveRefreshTriggers().build())
                    .build());
            client = c;
        } else {
            RedisClient c = RedisClient.create(resources);
            c.setOptions(ClientOptions.builder()
                    .autoReconnect(false)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .build());
            client = c;
        }
        return client;
    }

    @Override
    public void close() {
        CompletableFuture<Open> f;
        AbstractRedisClient c;
        ClientResources r;
        synchronized (this) {
            closed = true;
            f = current.getAndSet(null);
            c = client;
            r = resources;
            client = null;
            resources = null;
        }
        if (f != null) f.thenAccept(open -> open.connection().close());
        if (c != null) c.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        if (r != null) r.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
