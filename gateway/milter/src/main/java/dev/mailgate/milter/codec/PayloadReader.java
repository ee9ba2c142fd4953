// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.nio.charset.Charset;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the fields of one packet payload and turns every shortfall into a
 * {@link MilterCodecException} that names the packet and the field.
 */
final class PayloadReader {
    private final ByteBuf buf;
    private final String packet;
    private final Charset charset;

    PayloadReader(ByteBuf buf, String packet, Charset charset) {
        this.buf = buf;
        this.packet = packet;
        this.charset = charset;
    }

    MilterCodecException error(String message) {
        return new MilterCodecException(packet + ": " + message);
    }

    boolean hasMore() {
        return buf.isReadable();
    }

    int readInt(String field) {
        need(4, field);
        return buf.readInt();
    }

    int readUnsignedShort(String field) {
        need(2, field);
        return buf.readUnsignedShort();
    }

    char readByte(String field) {
        need(1, field);
        return (char) buf.readUnsignedByte();
    }

    private void need(int n, String field) {
        if (buf.readableBytes() < n) {
            throw error("truncated " + field + ": needs " + n + " bytes, only " + buf.readableBytes() + " left");
        }
    }

    /** One NUL-terminated string. */
    String readString(String field) {
        int start = buf.readerIndex();
        int nul = buf.indexOf(start, buf.writerIndex(), (byte) 0);
        if (nul < 0) {
            throw error(buf.isReadable()
                    ? field + " is not NUL-terminated (" + buf.readableBytes() + " bytes left)"
                    : "missing " + field);
        }
        String s = buf.toString(start, nul - start, charset);
        buf.readerIndex(nul + 1);
        return s;
    }

    /** NUL-terminated strings up to the end of the payload ("argv"). */
    List<String> readStrings(String field) {
        List<String> out = new ArrayList<>();
        while (buf.isReadable()) {
            out.add(readString(field + " " + (out.size() + 1)));
        }
        return out;
    }

    /** The remaining bytes, always copied: pooled buffers are reused after the frame is released. */
    byte[] readRest() {
        byte[] out = ByteBufUtil.getBytes(buf, buf.readerIndex(), buf.readableBytes(), true);
        buf.skipBytes(out.length);
        return out;
    }

    /** Fails if bytes remain: a longer payload than the format allows means we misread it. */
    void expectEnd() {
        if (buf.isReadable()) {
            throw error(buf.readableBytes() + " unexpected trailing byte(s) after the payload");
        }
    }
}
