// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.epoll.EpollChannelOption;

/**
 * Acknowledges at once what was read and not answered. A delayed ACK on our side stalls an MTA
 * that writes several small packets in a row (the no-reply flags make Postfix do exactly that) by
 * about 40 ms per message, so TCP_QUICKACK is re-armed (Linux turns quick-ack mode off on its
 * own). After a read we answered, the answer carried the ACK: no system call then.
 */
final class QuickAckHandler extends ChannelDuplexHandler {
    /** Bytes were read since the last segment we sent. */
    private boolean unacknowledged;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        unacknowledged = true;
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        unacknowledged = false;
        ctx.write(msg, promise);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (unacknowledged && ctx.channel().isActive()) {
            unacknowledged = false;
            try {
                ctx.channel().config().setOption(EpollChannelOption.TCP_QUICKACK, true);
            } catch (io.netty.channel.ChannelException e) {
                // the MTA closed the socket in the meantime: nothing left to acknowledge
            }
        }
        ctx.fireChannelReadComplete();
    }
}
