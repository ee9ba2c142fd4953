// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterCommandDecoder;
import dev.mailgate.milter.codec.MilterConstants;
import dev.mailgate.milter.codec.MilterFrameDecoder;
import dev.mailgate.milter.codec.MilterResponse;
import dev.mailgate.milter.codec.MilterResponseEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;

/**
 * A tiny milter built on the milter-side codec: answers continue (honouring negotiated NR bits),
 * adds a header plus a progress packet and accepts at end-of-message, closes on quit. An
 * override function can replace any answer (return an empty list for silence).
 */
final class TestMilter implements AutoCloseable {
    final Queue<MilterCommand> received = new ConcurrentLinkedQueue<>();
    volatile int requestedProtocol;
    volatile Function<MilterCommand, List<MilterResponse>> override = c -> null;
    /** Raw bytes to send instead of an answer (bypassing the encoder), or null. */
    volatile Function<MilterCommand, byte[]> rawOverride = c -> null;
    private final Channel server;
    private final MilterAddress address;

    private TestMilter(EventLoopGroup group, Path unixPath) throws InterruptedException {
        boolean epoll = group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
        ServerBootstrap b = new ServerBootstrap().group(group).childHandler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.pipeline().addLast(new MilterFrameDecoder(), new MilterCommandDecoder(),
                        new MilterResponseEncoder(), new Session());
            }
        });
        if (unixPath == null) {
            b.channelFactory(epoll ? EpollServerSocketChannel::new : NioServerSocketChannel::new);
            server = b.bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
            address = MilterAddress.inet("127.0.0.1", ((InetSocketAddress) server.localAddress()).getPort());
        } else {
            b.channelFactory(epoll ? EpollServerDomainSocketChannel::new : NioServerDomainSocketChannel::new);
            server = b.bind(epoll ? new DomainSocketAddress(unixPath.toString()) : UnixDomainSocketAddress.of(unixPath))
                    .sync().channel();
            address = MilterAddress.unix(unixPath);
        }
    }

    static TestMilter tcp(EventLoopGroup group) throws InterruptedException {
        return new TestMilter(group, null);
    }

    static TestMilter unix(EventLoopGroup group, Path path) throws InterruptedException {
        return new TestMilter(group, path);
    }

    MilterAddress address() {
        return address;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
    }

    private final class Session extends SimpleChannelInboundHandler<MilterCommand> {
        private int protocol;
        private int messages;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, MilterCommand cmd) {
            received.add(cmd);
            byte[] raw = rawOverride.apply(cmd);
            if (raw != null) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(raw));
                return;
            }
            List<MilterResponse> custom = override.apply(cmd);
            if (custom != null) {
                ctx.writeAndFlush(custom);
                return;
            }
            switch (cmd) {
                case MilterCommand.OptionNegotiation o -> {
                    protocol = requestedProtocol & o.protocol();
                    ctx.writeAndFlush(new MilterResponse.OptionNegotiationReply(6,
                            o.actions() & MilterConstants.SMFIF_ADDHDRS, protocol));
                }
                case MilterCommand.Quit q -> ctx.close();
                case MilterCommand.EndOfMessage e -> ctx.writeAndFlush(List.of(
                        new MilterResponse.AddHeader("X-Test-Milter", "message " + ++messages),
                        MilterResponse.PROGRESS, MilterResponse.ACCEPT));
                default -> {
                    if (cmd.expectsReply(protocol)) {
                        ctx.writeAndFlush(MilterResponse.CONTINUE);
                    }
                }
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
