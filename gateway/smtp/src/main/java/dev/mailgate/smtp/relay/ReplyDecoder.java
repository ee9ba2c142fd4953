// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.relay;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the downstream MTA's replies into {@link Reply}s: lines bounded by
 * {@link #MAX_LINE}, at most {@link #MAX_LINES} lines per reply, every line of a reply with the
 * same code. The downstream is trusted more than a client, but a broken one must not grow our heap.
 */
final class ReplyDecoder extends LineBasedFrameDecoder {
    static final int MAX_LINE = 4096;
    static final int MAX_LINES = 200;

    private final List<String> pending = new ArrayList<>();
    private int code = -1;

    ReplyDecoder() {
        super(MAX_LINE, true, true);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf buffer) throws Exception {
        ByteBuf frame = (ByteBuf) super.decode(ctx, buffer);
        if (frame == null) return null;
        try {
            String line = frame.toString(StandardCharsets.UTF_8);
            if (line.endsWith("\r")) line = line.substring(0, line.length() - 1);
            if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)
                    || (line.length() > 3 && line.charAt(3) != ' ' && line.charAt(3) != '-')) {
                throw new DecoderException("malformed reply line from the downstream MTA: " + line);
            }
            int c = Integer.parseInt(line.substring(0, 3));
            if (code >= 0 && c != code) throw new DecoderException("reply lines with different codes from the downstream MTA");
            code = c;
            pending.add(line.length() > 4 ? line.substring(4) : "");
            if (pending.size() > MAX_LINES) throw new DecoderException("reply of more than " + MAX_LINES + " lines from the downstream MTA");
            if (line.length() > 3 && line.charAt(3) == '-') return null;
            Reply r = new Reply(code, pending);
            pending.clear();
            code = -1;
            return r;
        } finally {
            frame.release();
        }
    }
}
