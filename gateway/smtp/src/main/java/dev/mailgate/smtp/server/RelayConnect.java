// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.smtp.relay.Downstream;
import dev.mailgate.smtp.tls.DownstreamTlsContexts;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.NetUtil;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * Opens the connection to the next hop onRelay chose, up to its 220 greeting and STARTTLS
 * ({@link DownstreamStartTls}) when asked for. An IP literal is
 * used as it is; a host name is resolved on a virtual thread (the JDK's resolver blocks, and the
 * event loop must not), bounded by the downstream timeout. Any failure (no such host, refused,
 * timed out, a greeting other than 220, STARTTLS that forceTLS needs and does not get) closes
 * the connection and fails the future, and the session tells its client 421.
 */
final class RelayConnect {
    private RelayConnect() {}

    static CompletableFuture<Downstream> open(EventLoop loop, Class<? extends Channel> type, NextHop hop, Duration timeout,
                                              DownstreamTlsContexts tls) {
        return resolve(hop, timeout)
                .thenCompose(address -> Downstream.connect(loop, type, address, timeout))
                .thenCompose(c -> {
                    if (c.greeting().code() != 220) {
                        c.downstream().quit();
                        return CompletableFuture.failedFuture(new IOException("the next hop " + hop + " greeted with " + c.greeting()));
                    }
                    return DownstreamStartTls.negotiate(c.downstream(), hop, tls).handle((protocol, e) -> {
                        if (e == null) return c.downstream();
                        c.downstream().quit();
                        throw e instanceof CompletionException ce ? ce : new CompletionException(e);
                    });
                });
    }

    static CompletableFuture<InetSocketAddress> resolve(NextHop hop, Duration timeout) {
        if (hop.isIpLiteral()) {
            try {
                // from the literal's bytes: no lookup
                return CompletableFuture.completedFuture(new InetSocketAddress(
                        InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(hop.host())), hop.port()));
            } catch (UnknownHostException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
        CompletableFuture<InetSocketAddress> f = new CompletableFuture<>();
        Thread.ofVirtual().name("resolve-" + hop.host()).start(() -> {
            try {
                f.complete(new InetSocketAddress(InetAddress.getByName(hop.host()), hop.port()));
            } catch (UnknownHostException e) {
                f.completeExceptionally(new IOException("cannot resolve the next hop " + hop.host() + ": " + e.getMessage(), e));
            } catch (RuntimeException e) {
                f.completeExceptionally(new CompletionException(e));
            }
        });
        return f.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(e -> CompletableFuture.failedFuture(
                e instanceof java.util.concurrent.TimeoutException
                        ? new IOException("resolving the next hop " + hop.host() + " took longer than " + timeout.toSeconds() + " s", e)
                        : e));
    }
}
