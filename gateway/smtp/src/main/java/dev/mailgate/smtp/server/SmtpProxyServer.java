// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.ListenerConfig;
import dev.mailgate.core.policy.SmtpProxySettings;
import dev.mailgate.smtp.codec.SmtpServerDecoder;
import dev.mailgate.smtp.tls.DownstreamTlsContexts;
import dev.mailgate.smtp.tls.PemTls;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the SMTP proxy listeners. Each client connection gets a {@link ProxySession}, and its
 * downstream connection is opened on the same event loop (epoll where available, NIO otherwise).
 */
public final class SmtpProxyServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SmtpProxyServer.class);

    private final Pipeline pipeline;
    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();

    public SmtpProxyServer(Pipeline pipeline, int threads) {
        this.pipeline = pipeline;
        this.group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Binds one {@code smtp} listener; returns the bound address (useful with port 0). */
    public SocketAddress bind(ListenerConfig listener) throws IOException, InterruptedException {
        if (!listener.isSmtp() || listener.smtp() == null) throw new IllegalArgumentException("not an smtp listener: " + listener);
        var settings = listener.smtp();
        var limiter = new ConnectionLimiter(settings.maxConnectionsPerIp());
        var clientType = epoll ? EpollSocketChannel.class : NioSocketChannel.class;
        // one context per listener: the PEM files are read once, at bind time
        var tls = settings.tls() ? PemTls.serverContext(settings.tlsCertificate(), settings.tlsKey()) : null;
        // always built: onRelay may ask for TLS (and for checks) that the listener's defaults do not
        var downstreamTls = DownstreamTlsContexts.create(settings.downstreamCaFile());
        ServerBootstrap b = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // reads are requested by the session when it is ready for the next command (backpressure)
                .childOption(ChannelOption.AUTO_READ, false)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        var decoder = new SmtpServerDecoder(settings.maxLineLength());
                        ch.pipeline().addLast("idle", ProxySession.idle(settings.commandTimeout()));
                        // HAProxy PROXY v1/v2: decodes the one header, then removes itself
                        if (settings.proxyProtocol()) ch.pipeline().addLast("proxy", new HAProxyMessageDecoder());
                        ch.pipeline().addLast("decoder", decoder);
                        ch.pipeline().addLast("session", new ProxySession(pipeline, settings, decoder, limiter, clientType, tls, downstreamTls));
                    }
                });
        var a = listener.address();
        Channel ch;
        try {
            ch = b.bind(new InetSocketAddress(a.host(), a.port())).sync().channel();
        } catch (Exception e) {
            throw new IOException("cannot listen on " + a + ": " + e.getMessage(), e);
        }
        channels.add(ch);
        LOG.info("smtp proxy listener on inet:{}, downstream {}{}{}", ch.localAddress(), settings.downstream(),
                tls == null ? "" : ", STARTTLS with " + settings.tlsCertificate(), settings.proxyProtocol() ? ", PROXY protocol required" : "");
        return ch.localAddress();
    }

    @Override
    public void close() {
        for (Channel c : channels) c.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
