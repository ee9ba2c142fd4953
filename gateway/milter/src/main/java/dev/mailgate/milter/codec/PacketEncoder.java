// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Objects;

/**
 * Encodes one packet type, or a {@code List} of them into a single buffer, so that e.g. all
 * end-of-message edits plus the final answer leave in one write (and one TCP segment).
 */
abstract class PacketEncoder<T> extends MessageToByteEncoder<Object> {
    private final Class<T> type;
    final Charset charset;

    PacketEncoder(Class<T> type, Charset charset) {
        super(Object.class);
        this.type = type;
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    abstract void write(T packet, ByteBuf out);

    abstract int estimate(T packet);

    @Override
    public boolean acceptOutboundMessage(Object msg) {
        if (type.isInstance(msg)) {
            return true;
        }
        if (msg instanceof List<?> list) {
            for (Object o : list) {
                if (!type.isInstance(o)) {
                    return false;
                }
            }
            return true;
        }
        return false;
    }

    @Override
    protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Object msg, boolean preferDirect) {
        int size = 0;
        if (type.isInstance(msg)) {
            size = estimate(type.cast(msg));
        } else {
            for (Object o : (List<?>) msg) {
                size += estimate(type.cast(o));
            }
        }
        return preferDirect ? ctx.alloc().ioBuffer(size) : ctx.alloc().heapBuffer(size);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, Object msg, ByteBuf out) {
        if (type.isInstance(msg)) {
            write(type.cast(msg), out);
        } else {
            for (Object o : (List<?>) msg) {
                write(type.cast(o), out);
            }
        }
    }
}
