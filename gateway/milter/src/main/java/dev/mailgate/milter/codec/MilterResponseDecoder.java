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
 * MTA side: turns packets from {@link MilterFrameDecoder} into {@link MilterResponse}s. A malformed
 * payload (including an invalid {@code SMFIR_REPLYCODE} text) or an unknown reply code raises a
 * {@link MilterCodecException}. Stateless and therefore sharable.
 *
 * <p>Pipeline: {@code MilterFrameDecoder -> MilterResponseDecoder}, plus {@link MilterCommandEncoder}.
 */
@Sharable
public class MilterResponseDecoder extends MessageToMessageDecoder<ByteBuf> {
    private final Charset charset;

    /** Decodes strings as UTF-8 (see {@link MilterCommand} for the charset rule). */
    public MilterResponseDecoder() {
        this(MilterPackets.DEFAULT_CHARSET);
    }

    /** Decodes strings with {@code charset}; ISO-8859-1 keeps every byte. */
    public MilterResponseDecoder(Charset charset) {
        super(ByteBuf.class);
        this.charset = Objects.requireNonNull(charset, "charset");
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        if (!frame.isReadable()) {
            throw new MilterCodecException("empty packet: no reply code");
        }
        out.add(MilterPackets.decodeResponse((char) frame.readUnsignedByte(), frame, charset));
    }
}
