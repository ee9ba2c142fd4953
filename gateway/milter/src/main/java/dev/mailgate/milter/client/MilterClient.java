// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterCommandEncoder;
import dev.mailgate.milter.codec.MilterFrameDecoder;
import dev.mailgate.milter.codec.MilterPackets;
import dev.mailgate.milter.codec.MilterResponse;
import dev.mailgate.milter.codec.MilterResponse.OptionNegotiationReply;
import dev.mailgate.milter.codec.MilterResponseDecoder;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Plays the MTA against a milter over Netty: for tests, the load driver and chaining milters.
 *
 * <p>One instance is one milter connection. Commands may be issued from any thread; they are
 * written in call order and the milter's answers are matched to them in the same order
 * (strict request/response). Each method returns a future of the milter's answer: the final
 * response for ordinary commands, an {@link EomResult} for end-of-message, and {@code null}
 * (completed once written) for commands that get no answer: {@code D A Q K} and commands whose
 * {@code SMFIP_NR_*} bit was negotiated. Await {@link #negotiate} before sending more, because
 * the no-reply decision uses the negotiated bits. A timeout, a protocol violation or a lost
 * connection fails all outstanding futures with a {@link MilterClientException} (timeouts: a
 * {@link java.util.concurrent.TimeoutException}) and closes the connection.
 *
 * <p>Unix sockets use epoll when available, NIO otherwise; TCP has {@code TCP_NODELAY} set.
 */
public final class MilterClient implements AutoCloseable {

    /**
     * Connection settings.
     *
     * @param connectTimeout    time to establish the connection
     * @param requestTimeout    time to wait for each answer (a {@code Progress} restarts it); zero = forever
     * @param maxPacketDataSize largest accepted data part of a milter packet
     * @param charset           charset for protocol strings (see {@link MilterCommand})
     * @param group             epoll or NIO event loop group to use, or null for a private one-thread group
     *                          that {@link #close()} shuts down (pass a shared group when opening many)
     */
    public record Options(Duration connectTimeout, Duration requestTimeout, int maxPacketDataSize,
                          Charset charset, EventLoopGroup group) {
        public Options {
            Objects.requireNonNull(connectTimeout, "connectTimeout");
            Objects.requireNonNull(requestTimeout, "requestTimeout");
            Objects.requireNonNull(charset, "charset");
            if (maxPacketDataSize < 0 || maxPacketDataSize == Integer.MAX_VALUE) {
                throw new IllegalArgumentException("maxPacketDataSize out of range: " + maxPacketDataSize);
            }
        }

        /** 30 s connect and request timeouts (Postfix's defaults), 65535-byte packets, UTF-8, own group. */
        public static Options defaults() {
            return new Options(Duration.ofSeconds(30), Duration.ofSeconds(30),
                    MilterFrameDecoder.DEFAULT_MAX_PACKET_DATA_SIZE, MilterPackets.DEFAULT_CHARSET, null);
        }

        /** A copy with another request timeout. */
        public Options withRequestTimeout(Duration timeout) {
            return new Options(connectTimeout, timeout, maxPacketDataSize, charset, group);
        }

        /** A copy with another connect timeout. */
        public Options withConnectTimeout(Duration timeout) {
            return new Options(timeout, requestTimeout, maxPacketDataSize, charset, group);
        }

        /** A copy using a shared event loop group (epoll or NIO). */
        public Options withGroup(EventLoopGroup eventLoopGroup) {
            return new Options(connectTimeout, requestTimeout, maxPacketDataSize, charset, eventLoopGroup);
        }

        /** A copy with another charset. */
        public Options withCharset(Charset cs) {
            return new Options(connectTimeout, requestTimeout, maxPacketDataSize, cs, group);
        }
    }

    private final Channel channel;
    private final ClientHandler handler;
    private final EventLoopGroup ownedGroup;

    private MilterClient(Channel channel, ClientHandler handler, EventLoopGroup ownedGroup) {
        this.channel = channel;
        this.handler = handler;
        this.ownedGroup = ownedGroup;
    }

    /** Connects to {@code address} ({@code inet:host:port}, {@code unix:/path}, ...) with default options, blocking. */
    public static MilterClient open(String address) throws MilterClientException {
        return open(MilterAddress.parse(address), Options.defaults());
    }

    /** Connects, blocking until the connection is up or failed. */
    public static MilterClient open(MilterAddress address, Options options) throws MilterClientException {
        return BlockingMilterClient.await(openAsync(address, options));
    }

    /** Connects without blocking. */
    public static CompletableFuture<MilterClient> openAsync(MilterAddress address, Options options) {
        EventLoopGroup group = options.group();
        EventLoopGroup owned = null;
        if (group == null) {
            owned = new MultiThreadIoEventLoopGroup(1,
                    Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
            group = owned;
        }
        boolean epoll = group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
        ClientHandler handler = new ClientHandler(options.requestTimeout().toNanos());
        Bootstrap b = new Bootstrap().group(group)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis()))
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(
                                new MilterFrameDecoder(options.maxPacketDataSize()),
                                new MilterResponseDecoder(options.charset()),
                                new MilterCommandEncoder(options.charset()),
                                handler);
                    }
                });
        SocketAddress remote;
        if (address.isUnix()) {
            b.channelFactory(epoll ? EpollDomainSocketChannel::new : NioDomainSocketChannel::new);
            remote = epoll ? new DomainSocketAddress(address.unixPath().toString()) : UnixDomainSocketAddress.of(address.unixPath());
        } else {
            b.channelFactory(epoll ? EpollSocketChannel::new : NioSocketChannel::new);
            // milter traffic is small request/response packets: do not let Nagle delay them
            b.option(ChannelOption.TCP_NODELAY, true);
            remote = InetSocketAddress.createUnresolved(address.host(), address.port());
        }
        CompletableFuture<MilterClient> result = new CompletableFuture<>();
        EventLoopGroup ownedGroup = owned;
        ChannelFuture connected = b.connect(remote);
        connected.addListener(f -> {
            if (f.isSuccess()) {
                result.complete(new MilterClient(connected.channel(), handler, ownedGroup));
            } else {
                if (ownedGroup != null) {
                    ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
                }
                result.completeExceptionally(new MilterClientException("cannot connect to milter at " + address, f.cause()));
            }
        });
        return result;
    }

    /** Sends {@code SMFIC_OPTNEG}; the reply's protocol bits decide which later commands get answers. */
    public CompletableFuture<OptionNegotiationReply> negotiate(int version, int actions, int protocol) {
        return request(new MilterCommand.OptionNegotiation(version, actions, protocol), null)
                .thenApply(OptionNegotiationReply.class::cast);
    }

    /** The protocol bits of the milter's negotiation reply (0 before it arrived). */
    public int negotiatedProtocol() {
        return handler.negotiatedProtocol();
    }

    /** Sends {@code SMFIC_MACRO} for command letter {@code stage} (never answered). */
    public CompletableFuture<Void> macro(char stage, Map<String, String> macros) {
        return request(new MilterCommand.MacroDefinition(stage, macros), null).thenApply(r -> null);
    }

    /** {@code SMFIC_CONNECT}. */
    public CompletableFuture<MilterResponse> connect(String hostname, char family, int port, String address) {
        return send(new MilterCommand.Connect(hostname, family, port, address));
    }

    /** {@code SMFIC_HELO}. */
    public CompletableFuture<MilterResponse> helo(String name) {
        return send(new MilterCommand.Helo(name));
    }

    /** {@code SMFIC_MAIL}: sender as sent (e.g. {@code <a@b>}) plus ESMTP parameters. */
    public CompletableFuture<MilterResponse> mail(String sender, String... esmtpParams) {
        return send(MilterCommand.MailFrom.of(sender, esmtpParams));
    }

    /** {@code SMFIC_RCPT}: recipient as sent plus ESMTP parameters. */
    public CompletableFuture<MilterResponse> rcpt(String recipient, String... esmtpParams) {
        return send(MilterCommand.RcptTo.of(recipient, esmtpParams));
    }

    /** {@code SMFIC_DATA}. */
    public CompletableFuture<MilterResponse> data() {
        return send(MilterCommand.DATA);
    }

    /** {@code SMFIC_HEADER}. */
    public CompletableFuture<MilterResponse> header(String name, String value) {
        return send(new MilterCommand.Header(name, value));
    }

    /** {@code SMFIC_EOH}. */
    public CompletableFuture<MilterResponse> endOfHeaders() {
        return send(MilterCommand.END_OF_HEADERS);
    }

    /** {@code SMFIC_BODY}: one chunk; split larger bodies with {@link MilterCommand.BodyChunk#chunks}. */
    public CompletableFuture<MilterResponse> body(byte[] chunk) {
        return send(new MilterCommand.BodyChunk(chunk));
    }

    /** {@code SMFIC_UNKNOWN}. */
    public CompletableFuture<MilterResponse> unknown(String command) {
        return send(new MilterCommand.Unknown(command));
    }

    /** {@code SMFIC_BODYEOB} without data, as Postfix and Sendmail send it. */
    public CompletableFuture<EomResult> endOfMessage() {
        return endOfMessage(new byte[0]);
    }

    /** {@code SMFIC_BODYEOB} preceded by its {@code SMFIC_MACRO} in the same write, as MTAs send it. */
    public CompletableFuture<EomResult> endOfMessage(Map<String, String> macros) {
        return request(new MilterCommand.EndOfMessage(new byte[0]), macros).thenApply(EomResult.class::cast);
    }

    /** {@code SMFIC_BODYEOB} carrying a last body chunk (libmilter accepts it). */
    public CompletableFuture<EomResult> endOfMessage(byte[] finalChunk) {
        return request(new MilterCommand.EndOfMessage(finalChunk), null).thenApply(EomResult.class::cast);
    }

    /** {@code SMFIC_ABORT} (never answered). */
    public CompletableFuture<Void> abort() {
        return request(MilterCommand.ABORT, null).thenApply(r -> null);
    }

    /** {@code SMFIC_QUIT_NC} (never answered); the next session starts with a new CONNECT. */
    public CompletableFuture<Void> quitNoClose() {
        return request(MilterCommand.QUIT_NO_CLOSE, null).thenApply(r -> null);
    }

    /** {@code SMFIC_QUIT}, then closes the connection as an MTA does; completes when closed. */
    public CompletableFuture<Void> quit() {
        return request(MilterCommand.QUIT, null).handle((r, e) -> null)
                .thenCompose(v -> toCompletable(channel.close()))
                .whenComplete((v, e) -> releaseGroup());
    }

    /**
     * Sends any command except end-of-message (use {@link #endOfMessage}); completes with the
     * final answer, or {@code null} if the command gets none.
     */
    public CompletableFuture<MilterResponse> send(MilterCommand command) {
        return send(command, null);
    }

    /**
     * Like {@link #send(MilterCommand)}, preceded by {@code SMFIC_MACRO} for the command's letter
     * in the same write (what MTAs do before every command); {@code macros} may be null.
     */
    public CompletableFuture<MilterResponse> send(MilterCommand command, Map<String, String> macros) {
        if (command instanceof MilterCommand.EndOfMessage) {
            throw new IllegalArgumentException("use endOfMessage() to get the edits as well");
        }
        return request(command, macros).thenApply(MilterResponse.class::cast);
    }

    private CompletableFuture<Object> request(MilterCommand command, Map<String, String> macros) {
        Objects.requireNonNull(command, "command");
        Object wire = macros == null ? command
                : List.of(new MilterCommand.MacroDefinition(command.code(), macros), command);
        ClientHandler.Pending p = command.expectsReply(handler.negotiatedProtocol()) ? new ClientHandler.Pending(command) : null;
        CompletableFuture<Void> written = new CompletableFuture<>();
        EventLoop loop = channel.eventLoop();
        try {
            if (loop.inEventLoop()) {
                handler.submit(wire, p, written);
            } else {
                loop.execute(() -> handler.submit(wire, p, written));
            }
        } catch (RejectedExecutionException e) {
            MilterClientException ex = new MilterClientException("milter client is shut down", e);
            written.completeExceptionally(ex);
            if (p != null) {
                p.future.completeExceptionally(ex);
            }
        }
        return p != null ? p.future : written.thenApply(v -> null);
    }

    /** A blocking view of this client. */
    public BlockingMilterClient blocking() {
        return new BlockingMilterClient(this);
    }

    /** Whether the connection is still open. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Completes when the connection is closed, by either side. */
    public CompletableFuture<Void> closeFuture() {
        return toCompletable(channel.closeFuture());
    }

    /** Closes the connection without {@code SMFIC_QUIT}; shuts down the private event loop group, if any. */
    @Override
    public void close() {
        channel.close();
        releaseGroup();
    }

    private void releaseGroup() {
        if (ownedGroup != null && !ownedGroup.isShuttingDown()) {
            io.netty.util.concurrent.Future<?> f = ownedGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (!channel.eventLoop().inEventLoop()) {
                f.syncUninterruptibly();
            }
        }
    }

    private static CompletableFuture<Void> toCompletable(io.netty.util.concurrent.Future<?> f) {
        CompletableFuture<Void> cf = new CompletableFuture<>();
        f.addListener(x -> {
            if (x.isSuccess()) {
                cf.complete(null);
            } else {
                cf.completeExceptionally(x.cause());
            }
        });
        return cf;
    }
}
