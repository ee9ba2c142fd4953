// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LineBasedFrameDecoder;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The downstream for the proxy's idle-connection count: an SMTP server that greets, says yes to
 * every command and keeps any number of connections open (Postfix's smtp-sink stops taking new
 * ones at a few hundred). It accepts no mail: DATA is refused, as the idle clients never send any.
 *
 * <pre>
 * java -cp mailgate-bench.jar:lib/* dev.mailgate.bench.IdleSmtpSink 2527
 * </pre>
 */
public final class IdleSmtpSink {
    private IdleSmtpSink() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        var group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 4096)
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new LineBasedFrameDecoder(4096)).addLast(new Answers());
                    }
                })
                .bind(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        System.out.println("idle smtp sink on " + server.localAddress());
        server.closeFuture().sync();
    }

    private static final class Answers extends SimpleChannelInboundHandler<ByteBuf> {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), "220 idle-sink ESMTP\r\n"));
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf line) {
            String verb = line.toString(StandardCharsets.US_ASCII).strip().split(" ", 2)[0].toUpperCase();
            String reply = switch (verb) {
                case "EHLO" -> "250-idle-sink\r\n250 PIPELINING\r\n";
                case "DATA" -> "554 5.5.1 this sink takes no mail\r\n";
                case "QUIT" -> "221 bye\r\n";
                default -> "250 ok\r\n";
            };
            var f = ctx.writeAndFlush(ByteBufUtil.writeAscii(ctx.alloc(), reply));
            if (verb.equals("QUIT")) f.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
