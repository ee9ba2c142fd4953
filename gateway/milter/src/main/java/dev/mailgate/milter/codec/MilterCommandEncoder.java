// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import java.nio.charset.Charset;

/**
 * MTA side: writes {@link MilterCommand}s. Accepts a single command or a
 * {@code java.util.List<MilterCommand>} encoded into one buffer (e.g. a macro packet together
 * with its command). Stateless and therefore sharable.
 */
@Sharable
public class MilterCommandEncoder extends PacketEncoder<MilterCommand> {

    /** Encodes strings as UTF-8. */
    public MilterCommandEncoder() {
        this(MilterPackets.DEFAULT_CHARSET);
    }

    /** Encodes strings with {@code charset}. */
    public MilterCommandEncoder(Charset charset) {
        super(MilterCommand.class, charset);
    }

    @Override
    void write(MilterCommand packet, ByteBuf out) {
        CommandCodec.encode(packet, out, charset);
    }

    @Override
    int estimate(MilterCommand packet) {
        return CommandCodec.estimateSize(packet);
    }
}
