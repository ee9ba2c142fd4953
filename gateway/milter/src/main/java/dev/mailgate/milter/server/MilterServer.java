// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.server;

import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.ListenAddress;
import dev.mailgate.core.policy.ListenerConfig;
import dev.mailgate.core.policy.MilterSettings;
import dev.mailgate.milter.codec.MilterCommandDecoder;
import dev.mailgate.milter.codec.MilterFrameDecoder;
import dev.mailgate.milter.codec.MilterResponseEncoder;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds the milter listeners (TCP and unix domain sockets) and serves every MTA connection with
 * its own {@link MilterSessionHandler}. Uses epoll where available (needed for unix sockets and
 * for TCP_QUICKACK), NIO otherwise.
 */
public final class MilterServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MilterServer.class);

    private final Pipeline pipeline;
    private final MilterSettings settings;
    private final boolean epoll = Epoll.isAvailable();
    private final EventLoopGroup group;
    private final List<Channel> channels = new ArrayList<>();
    private final List<Path> socketFiles = new ArrayList<>();

    public MilterServer(Pipeline pipeline, MilterSettings settings, int threads) {
        this.pipeline = pipeline;
        this.settings = settings;
        this.group = new MultiThreadIoEventLoopGroup(threads, epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    }

    /** Binds one listener; returns the bound address (useful with port 0). */
    public SocketAddress bind(ListenerConfig listener) throws IOException, InterruptedException {
        ListenAddress a = listener.address();
        ServerBootstrap b = new ServerBootstrap().group(group)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast("idle", new IdleStateHandler(settings.idleTimeout().toMillis(), 0, 0, TimeUnit.MILLISECONDS));
                        ch.pipeline().addLast("frames", new MilterFrameDecoder(settings.maxPacketSize()));
                        ch.pipeline().addLast("commands", new MilterCommandDecoder());
                        ch.pipeline().addLast("responses", new MilterResponseEncoder());
                        if (epoll && !a.isUnix()) ch.pipeline().addLast("quickack", new QuickAckHandler());
                        ch.pipeline().addLast("session", new MilterSessionHandler(pipeline));
                    }
                });
        SocketAddress bindTo;
        if (a.isUnix()) {
            if (!epoll) throw new IOException("unix socket " + a.path() + " needs the epoll transport, which is not available here");
            Files.deleteIfExists(a.path()); // a stale socket from a previous run
            if (a.path().getParent() != null) Files.createDirectories(a.path().getParent());
            b.channel(EpollServerDomainSocketChannel.class);
            bindTo = new DomainSocketAddress(a.path().toFile());
        } else {
            b.channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 1024)
                    .childOption(ChannelOption.TCP_NODELAY, true);
            bindTo = new InetSocketAddress(a.host(), a.port());
        }
        Channel ch;
        try {
            ch = b.bind(bindTo).sync().channel();
        } catch (Exception e) {
            throw new IOException("cannot listen on " + a + ": " + e.getMessage(), e);
        }
        channels.add(ch);
        if (a.isUnix()) {
            socketFiles.add(a.path());
            applyOwnership(listener);
        }
        LOG.info("milter listener on {}", a.isUnix() ? a.toString() : "inet:" + ch.localAddress());
        return ch.localAddress();
    }

    private static void applyOwnership(ListenerConfig l) throws IOException {
        Path p = l.address().path();
        if (l.mode() != null) {
            int bits = Integer.parseInt(l.mode(), 8);
            Set<PosixFilePermission> perms = PosixFilePermissions.fromString(rwx(bits >> 6) + rwx(bits >> 3) + rwx(bits));
            Files.setPosixFilePermissions(p, perms);
        }
        UserPrincipalLookupService users = p.getFileSystem().getUserPrincipalLookupService();
        if (l.owner() != null) {
            UserPrincipal u = users.lookupPrincipalByName(l.owner());
            Files.setOwner(p, u);
        }
        if (l.group() != null) {
            GroupPrincipal g = users.lookupPrincipalByGroupName(l.group());
            Files.getFileAttributeView(p, java.nio.file.attribute.PosixFileAttributeView.class).setGroup(g);
        }
    }

    private static String rwx(int bits) {
        return ((bits & 4) != 0 ? "r" : "-") + ((bits & 2) != 0 ? "w" : "-") + ((bits & 1) != 0 ? "x" : "-");
    }

    @Override
    public void close() {
        for (Channel c : channels) c.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
        for (Path p : socketFiles) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                LOG.warn("cannot remove socket {}: {}", p, e.toString());
            }
        }
    }
}
