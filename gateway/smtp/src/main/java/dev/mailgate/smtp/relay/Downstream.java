// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.relay;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One SMTP client connection to the downstream MTA, owned by one client session and living on
 * that session's event loop (so no locks, and every future here completes on that loop). Reads are
 * manual ({@code AUTO_READ} off): a reply is read only while one is awaited. Each awaited reply has
 * a deadline; a timeout or a lost connection fails every waiting future and closes the connection,
 * and the session then tells its client 421/451: nothing is acknowledged that the downstream did
 * not accept.
 */
public final class Downstream {
    private final Channel channel;
    private final Duration timeout;
    private final Deque<CompletableFuture<Reply>> waiting = new ArrayDeque<>();
    private ScheduledFuture<?> alarm;
    /** Set on the event loop; read by {@link #write} from any thread. */
    private volatile Throwable broken;

    private Downstream(Channel channel, Duration timeout) {
        this.channel = channel;
        this.timeout = timeout;
    }

    /** Connects on {@code loop} and completes with the connection once the greeting was read. */
    public static CompletableFuture<Connected> connect(EventLoop loop, Class<? extends Channel> type, InetSocketAddress address,
                                                        Duration timeout) {
        CompletableFuture<Connected> result = new CompletableFuture<>();
        Downstream[] holder = new Downstream[1];
        CompletableFuture<Reply> greeting = new CompletableFuture<>();
        Bootstrap b = new Bootstrap().group(loop).channel(type)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        holder[0] = new Downstream(ch, timeout);
                        holder[0].waiting.add(greeting);
                        ch.pipeline().addLast("replies", new ReplyDecoder());
                        ch.pipeline().addLast("relay", holder[0].new Handler());
                    }
                });
        b.connect(address).addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new IOException("cannot connect to the downstream MTA " + address + ": " + f.cause().getMessage(), f.cause()));
                return;
            }
            holder[0].expect();
            greeting.whenComplete((g, e) -> {
                if (e != null) result.completeExceptionally(e);
                else result.complete(new Connected(holder[0], g));
            });
        });
        return result;
    }

    /** A connection and the greeting it began with. */
    public record Connected(Downstream downstream, Reply greeting) {}

    /** Sends one command line (CRLF is added) and completes with its reply. */
    public CompletableFuture<Reply> command(String line) {
        return send(ByteBufUtil.writeUtf8(channel.alloc(), line + "\r\n"));
    }

    /** Sends raw bytes (message content with its final dot) and completes with the reply to them. */
    public CompletableFuture<Reply> send(ByteBuf bytes) {
        CompletableFuture<Reply> f = new CompletableFuture<>();
        if (broken != null || !channel.isActive()) {
            bytes.release();
            f.completeExceptionally(broken != null ? broken : new IOException("the downstream connection is closed"));
            return f;
        }
        waiting.add(f);
        channel.writeAndFlush(bytes).addListener(w -> {
            if (!w.isSuccess()) fail(new IOException("cannot write to the downstream MTA: " + w.cause().getMessage(), w.cause()));
        });
        expect();
        return f;
    }

    /**
     * Writes message octets for which no reply comes (the content between 354 and the final
     * dot). Any thread; completes once the octets were handed to the socket, so a caller that
     * waits for each write never has more than one piece in flight.
     */
    public CompletableFuture<Void> write(ByteBuf bytes) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Throwable b = broken;
        if (b != null || !channel.isActive()) {
            bytes.release();
            f.completeExceptionally(b != null ? b : new IOException("the downstream connection is closed"));
            return f;
        }
        channel.writeAndFlush(bytes).addListener(w -> {
            if (w.isSuccess()) f.complete(null);
            else f.completeExceptionally(new IOException("cannot write to the downstream MTA: " + w.cause().getMessage(), w.cause()));
        });
        return f;
    }

    /**
     * Switches the connection to TLS; call after the downstream answered 220 to STARTTLS. A failed
     * or timed-out handshake breaks the connection like any other downstream failure.
     */
    public CompletableFuture<String> startTls(SslContext context, String host, int port) {
        CompletableFuture<String> f = new CompletableFuture<>();
        SslHandler tls = context.newHandler(channel.alloc(), host, port);
        tls.setHandshakeTimeoutMillis(timeout.toMillis());
        // first in the pipeline: every byte from now on, replies included, goes through TLS
        channel.pipeline().addFirst("tls", tls);
        tls.handshakeFuture().addListener(done -> {
            if (done.isSuccess()) {
                f.complete(tls.engine().getSession().getProtocol());
            } else {
                fail(new IOException("TLS handshake with the downstream MTA failed: " + done.cause(), done.cause()));
                f.completeExceptionally(broken);
            }
        });
        channel.read(); // reads are manual: the handshake needs the server's answer
        return f;
    }

    /** Says QUIT without waiting, then closes. */
    public void quit() {
        quitting = true;
        if (channel.isActive() && broken == null) {
            channel.writeAndFlush(ByteBufUtil.writeAscii(channel.alloc(), "QUIT\r\n")).addListener(f -> channel.close());
        } else if (channel.isOpen()) {
            channel.close();
        }
    }

    public boolean isUsable() {
        return broken == null && channel.isActive();
    }

    private void expect() {
        if (alarm == null) {
            alarm = channel.eventLoop().schedule(() -> {
                alarm = null;
                fail(new TimeoutException("the downstream MTA did not answer within " + timeout.toSeconds() + " s"));
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        channel.read();
    }

    /** We said QUIT: the close that follows is the end we asked for, not a failure. */
    private boolean quitting;

    private void fail(Throwable cause) {
        if (broken == null) broken = cause;
        if (alarm != null) {
            alarm.cancel(false);
            alarm = null;
        }
        while (!waiting.isEmpty()) waiting.poll().completeExceptionally(broken);
        if (channel.isOpen()) channel.close(); // closing twice costs Netty an exception
    }

    private final class Handler extends SimpleChannelInboundHandler<Reply> {
        @Override
        protected void channelRead0(ChannelHandlerContext ctx, Reply reply) {
            CompletableFuture<Reply> f = waiting.poll();
            if (alarm != null) {
                alarm.cancel(false);
                alarm = null;
            }
            if (!waiting.isEmpty()) expect();
            if (f != null) f.complete(reply);
            // a reply nobody asked for (e.g. 421 before closing) is dropped: the close follows
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            if (!waiting.isEmpty()) ctx.read(); // a reply may span several reads
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            // after our QUIT with nothing awaited, nobody needs the (costly) exception below
            if (quitting && waiting.isEmpty()) {
                if (alarm != null) {
                    alarm.cancel(false);
                    alarm = null;
                }
                return;
            }
            fail(new IOException("the downstream MTA closed the connection"));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            fail(cause);
        }
    }
}
