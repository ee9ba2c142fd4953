// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;

/** EmbeddedChannel set-ups for the two directions, and helpers that read and release. */
final class Channels {
    private Channels() {
    }

    /** Milter side: frames, commands in, responses out. */
    static EmbeddedChannel server() {
        return server(MilterFrameDecoder.DEFAULT_MAX_PACKET_DATA_SIZE);
    }

    static EmbeddedChannel server(int maxData) {
        return new EmbeddedChannel(new MilterFrameDecoder(maxData), new MilterCommandDecoder(), new MilterResponseEncoder());
    }

    /** MTA side: frames, responses in, commands out. */
    static EmbeddedChannel client() {
        return client(MilterFrameDecoder.DEFAULT_MAX_PACKET_DATA_SIZE);
    }

    static EmbeddedChannel client(int maxData) {
        return new EmbeddedChannel(new MilterFrameDecoder(maxData), new MilterResponseDecoder(), new MilterCommandEncoder());
    }

    /** Writes {@code bytes} inbound in one piece and returns everything decoded. */
    static List<Object> feed(EmbeddedChannel ch, byte[]... pieces) {
        for (byte[] p : pieces) {
            ch.writeInbound(Unpooled.wrappedBuffer(p));
        }
        return drainInbound(ch);
    }

    static List<Object> drainInbound(EmbeddedChannel ch) {
        List<Object> out = new ArrayList<>();
        Object o;
        while ((o = ch.readInbound()) != null) {
            out.add(o);
        }
        return out;
    }

    /** Reads every outbound buffer, concatenated, and releases them. */
    static byte[] drainOutbound(EmbeddedChannel ch) {
        ByteBuf all = Unpooled.buffer();
        try {
            ByteBuf b;
            while ((b = ch.readOutbound()) != null) {
                try {
                    all.writeBytes(b);
                } finally {
                    b.release();
                }
            }
            return ByteBufUtil.getBytes(all);
        } finally {
            all.release();
        }
    }

    /**
     * Decodes {@code packet} split into two writes at every offset, then byte by byte, each on a
     * fresh channel; every run must yield exactly {@code expected} and leave nothing buffered.
     */
    static void assertDecodesInFragments(boolean serverSide, byte[] packet, Object expected) {
        int step = packet.length > 2048 ? packet.length / 97 : 1; // keep 64 KiB packets fast
        for (int split = 1; split < packet.length; split += step) {
            EmbeddedChannel ch = serverSide ? server() : client();
            byte[] a = java.util.Arrays.copyOfRange(packet, 0, split);
            byte[] b = java.util.Arrays.copyOfRange(packet, split, packet.length);
            assertThat(feed(ch, a)).as("nothing before the packet is complete (split %d)", split).isEmpty();
            assertThat(feed(ch, b)).as("split at %d", split).containsExactly(expected);
            assertThat(ch.finish()).isFalse();
        }
        if (packet.length <= 2048) {
            EmbeddedChannel ch = serverSide ? server() : client();
            List<Object> got = new ArrayList<>();
            for (byte x : packet) {
                got.addAll(feed(ch, new byte[] {x}));
            }
            assertThat(got).as("byte by byte").containsExactly(expected);
            assertThat(ch.finish()).isFalse();
        }
    }
}
