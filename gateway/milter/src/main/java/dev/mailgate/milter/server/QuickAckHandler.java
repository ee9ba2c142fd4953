// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.server;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.epoll.EpollChannelOption;

/**
 * Re-arms TCP_QUICKACK after every read. Linux turns quick-ack mode off again on its own, and a
 * delayed ACK on our side stalls an MTA that writes several small packets in a row (the no-reply
 * flags make Postfix do exactly that) by about 40 ms per message.
 */
final class QuickAckHandler extends ChannelDuplexHandler {
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            try {
                ctx.channel().config().setOption(EpollChannelOption.TCP_QUICKACK, true);
            } catch (io.netty.channel.ChannelException e) {
                // the MTA closed the socket in the meantime: nothing left to acknowledge
            }
        }
        ctx.fireChannelReadComplete();
    }
}
