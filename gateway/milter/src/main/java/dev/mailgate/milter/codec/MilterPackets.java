// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Pure (channel-free) encoding and decoding of single milter packets, for tests, the load driver
 * and code that frames packets itself. The Netty handlers delegate to the same methods.
 *
 * <p>"Packet" means the complete wire form: {@code uint32 length}, code byte, data. "Payload"
 * means only the data after the code byte. Strings use {@link #DEFAULT_CHARSET} unless a charset
 * is given; see {@link MilterCommand} for the charset rule.
 */
public final class MilterPackets {

    /** UTF-8; malformed input is replaced with U+FFFD when decoding. */
    public static final Charset DEFAULT_CHARSET = StandardCharsets.UTF_8;

    private MilterPackets() {
    }

    /** Appends the complete packet for {@code cmd} to {@code out}. */
    public static void writeCommand(MilterCommand cmd, ByteBuf out, Charset charset) {
        CommandCodec.encode(Objects.requireNonNull(cmd, "cmd"), out, charset);
    }

    /** Appends the complete packet for {@code resp} to {@code out}. */
    public static void writeResponse(MilterResponse resp, ByteBuf out, Charset charset) {
        ResponseCodec.encode(Objects.requireNonNull(resp, "resp"), out, charset);
    }

    /** Decodes a command payload (the bytes after the code), consuming all of it. */
    public static MilterCommand decodeCommand(char code, ByteBuf payload, Charset charset) {
        return CommandCodec.decode(code, payload, charset);
    }

    /** Decodes a response payload (the bytes after the code), consuming all of it. */
    public static MilterResponse decodeResponse(char code, ByteBuf payload, Charset charset) {
        return ResponseCodec.decode(code, payload, charset);
    }

    /** The complete packet for {@code cmd}, strings in UTF-8. */
    public static byte[] encode(MilterCommand cmd) {
        return encode(cmd, DEFAULT_CHARSET);
    }

    /** The complete packet for {@code cmd}. */
    public static byte[] encode(MilterCommand cmd, Charset charset) {
        ByteBuf buf = Unpooled.buffer(CommandCodec.estimateSize(cmd));
        writeCommand(cmd, buf, charset);
        return toArray(buf);
    }

    /** The complete packet for {@code resp}, strings in UTF-8. */
    public static byte[] encode(MilterResponse resp) {
        return encode(resp, DEFAULT_CHARSET);
    }

    /** The complete packet for {@code resp}. */
    public static byte[] encode(MilterResponse resp, Charset charset) {
        ByteBuf buf = Unpooled.buffer(ResponseCodec.estimateSize(resp));
        writeResponse(resp, buf, charset);
        return toArray(buf);
    }

    /** Decodes the payload of a command packet whose code byte is {@code code}. */
    public static MilterCommand decodeCommand(byte code, byte[] payload) {
        ByteBuf buf = Unpooled.wrappedBuffer(payload);
        try {
            return decodeCommand((char) (code & 0xFF), buf, DEFAULT_CHARSET);
        } finally {
            buf.release();
        }
    }

    /** Decodes the payload of a response packet whose code byte is {@code code}. */
    public static MilterResponse decodeResponse(byte code, byte[] payload) {
        ByteBuf buf = Unpooled.wrappedBuffer(payload);
        try {
            return decodeResponse((char) (code & 0xFF), buf, DEFAULT_CHARSET);
        } finally {
            buf.release();
        }
    }

    /** Decodes one complete command packet (length prefix included), which must fill the array. */
    public static MilterCommand decodeCommandPacket(byte[] packet) {
        ByteBuf frame = unframe(packet);
        try {
            return decodeCommand((char) frame.readUnsignedByte(), frame, DEFAULT_CHARSET);
        } finally {
            frame.release();
        }
    }

    /** Decodes one complete response packet (length prefix included), which must fill the array. */
    public static MilterResponse decodeResponsePacket(byte[] packet) {
        ByteBuf frame = unframe(packet);
        try {
            return decodeResponse((char) frame.readUnsignedByte(), frame, DEFAULT_CHARSET);
        } finally {
            frame.release();
        }
    }

    private static ByteBuf unframe(byte[] packet) {
        // wrapping an array allocates nothing that needs releasing on the error paths
        ByteBuf buf = Unpooled.wrappedBuffer(packet);
        if (buf.readableBytes() < MilterConstants.MILTER_LEN_BYTES + 1) {
            throw new MilterCodecException("packet of " + packet.length + " bytes is shorter than length + code");
        }
        long len = buf.readUnsignedInt();
        if (len != buf.readableBytes()) {
            throw new MilterCodecException("length field says " + len + " but " + buf.readableBytes() + " bytes follow");
        }
        return buf;
    }

    private static byte[] toArray(ByteBuf buf) {
        try {
            byte[] out = new byte[buf.readableBytes()];
            buf.readBytes(out);
            return out;
        } finally {
            buf.release();
        }
    }
}
