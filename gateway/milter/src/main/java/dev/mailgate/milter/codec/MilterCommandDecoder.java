// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.nio.charset.Charset;
import java.util.List;
import java.util.Objects;

/**
 * Milter side: turns packets from {@link MilterFrameDecoder} into {@link MilterCommand}s.
 * A malformed payload or an unknown command code raises a {@link MilterCodecException} naming
 * the packet and the defect. Stateless and therefore sharable.
 *
 * <p>Pipeline: {@code MilterFrameDecoder -> MilterCommandDecoder}, plus {@link MilterResponseEncoder}.
 */
@Sharable
public class MilterCommandDecoder extends MessageToMessageDecoder<ByteBuf> {
    private final Charset charset;

    /** Decodes strings as UTF-8 (see {@link MilterCommand} for the charset rule). */
    public MilterCommandDecoder() {
        this(MilterPackets.DEFAULT_CHARSET);
    }

    /** Decodes strings with {@code charset}; ISO-8859-1 keeps every byte. */
    public MilterCommandDecoder(Charset charset) {
        super(ByteBuf.class);
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        if (!frame.isReadable()) {
            throw new MilterCodecException("empty packet: no command code");
        }
        out.add(MilterPackets.decodeCommand((char) frame.readUnsignedByte(), frame, charset));
    }
}
