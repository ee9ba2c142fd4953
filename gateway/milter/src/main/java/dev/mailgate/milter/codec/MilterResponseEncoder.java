// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import java.nio.charset.Charset;

/**
 * Milter side: writes {@link MilterResponse}s. Accepts a single response or a
 * {@code java.util.List<MilterResponse>}, which is encoded into one buffer (use it for the
 * end-of-message edits followed by the final answer). Several single writes followed by one
 * flush work as well. Stateless and therefore sharable.
 */
@Sharable
public class MilterResponseEncoder extends PacketEncoder<MilterResponse> {

    /** Encodes strings as UTF-8. */
    public MilterResponseEncoder() {
        this(MilterPackets.DEFAULT_CHARSET);
    }

    /** Encodes strings with {@code charset}. */
    public MilterResponseEncoder(Charset charset) {
        super(MilterResponse.class, charset);
    }

    @Override
    void write(MilterResponse packet, ByteBuf out) {
        ResponseCodec.encode(packet, out, charset);
    }

    @Override
    int estimate(MilterResponse packet) {
        return ResponseCodec.estimateSize(packet);
    }
}
