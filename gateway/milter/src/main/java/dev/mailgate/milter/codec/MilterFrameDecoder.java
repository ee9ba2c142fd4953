// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into milter packets. Emits one {@link ByteBuf} per packet holding the
 * code byte followed by the data (the length prefix removed); the next decoder releases it.
 * Used in both directions.
 *
 * <p>A length of 0 or a data part above {@link #maxPacketDataSize()} raises a
 * {@link MilterCodecException} as soon as the 4 length bytes are in, without buffering the
 * oversized packet. After such an error the stream is out of step, so every further byte is
 * discarded; the channel should be closed.
 */
public class MilterFrameDecoder extends ByteToMessageDecoder {

    /**
     * libmilter's limit ({@code MILTER_MAX_DATA_SIZE}): Postfix and Sendmail never send more,
     * body chunks and macro packets included.
     */
    public static final int DEFAULT_MAX_PACKET_DATA_SIZE = MilterConstants.MILTER_MAX_DATA_SIZE;

    private final int maxPacketDataSize;
    private boolean failed;

    /** A decoder with the libmilter limit of 65535 data bytes per packet. */
    public MilterFrameDecoder() {
        this(DEFAULT_MAX_PACKET_DATA_SIZE);
    }

    /** A decoder accepting at most {@code maxPacketDataSize} data bytes (code byte not counted). */
    public MilterFrameDecoder(int maxPacketDataSize) {
        if (maxPacketDataSize < 0 || maxPacketDataSize == Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxPacketDataSize out of range: " + maxPacketDataSize);
        }
        this.maxPacketDataSize = maxPacketDataSize;
    }

    /** The largest accepted data part, in bytes. */
    public int maxPacketDataSize() {
        return maxPacketDataSize;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (failed) {
            in.skipBytes(in.readableBytes());
            return;
        }
        if (in.readableBytes() < MilterConstants.MILTER_LEN_BYTES) {
            return;
        }
        long length = in.getUnsignedInt(in.readerIndex());
        if (length == 0) {
            fail(in, "packet length 0: a packet has at least its code byte (length >= 1)");
        }
        if (length - 1 > maxPacketDataSize) {
            fail(in, "packet announces " + (length - 1) + " data bytes (length field " + length
                    + "), more than the limit of " + maxPacketDataSize);
        }
        if (in.readableBytes() < MilterConstants.MILTER_LEN_BYTES + length) {
            return;
        }
        in.skipBytes(MilterConstants.MILTER_LEN_BYTES);
        out.add(in.readRetainedSlice((int) length));
    }

    private void fail(ByteBuf in, String message) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw new MilterCodecException(message);
    }
}
