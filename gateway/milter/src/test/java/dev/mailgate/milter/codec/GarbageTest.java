// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Random input never produces anything but decoded packets or a {@link MilterCodecException}:
 * no other exception type, no unbounded buffering, nothing left behind.
 */
@ExtendWith(LeakCheck.class)
class GarbageTest {
    private static final String CODES = "ABCDEHKLMNOQRTU+-24abcdefhilmpqrsty";

    @Test
    void randomByteStreams() {
        Random rnd = new Random(0x5EED);
        for (int i = 0; i < 2000; i++) {
            byte[] junk = new byte[1 + rnd.nextInt(i % 10 == 0 ? 200_000 : 64)];
            rnd.nextBytes(junk);
            feed(i % 2 == 0 ? Channels.server() : Channels.client(), junk, rnd);
        }
    }

    @Test
    void wellFramedRandomPayloads() {
        Random rnd = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            byte[] payload = new byte[rnd.nextInt(40)];
            for (int j = 0; j < payload.length; j++) {
                // plenty of NULs and letters so that the string parsers get real work
                int k = rnd.nextInt(4);
                payload[j] = k == 0 ? 0 : k == 1 ? (byte) ('4' + rnd.nextInt(3)) : (byte) rnd.nextInt(256);
            }
            char code = rnd.nextInt(10) == 0 ? (char) rnd.nextInt(256) : CODES.charAt(rnd.nextInt(CODES.length()));
            byte[] wire = Bytes.packet(code, payload);
            feed(i % 2 == 0 ? Channels.server() : Channels.client(), wire, rnd);
        }
    }

    private static void feed(EmbeddedChannel ch, byte[] data, Random rnd) {
        int off = 0;
        while (off < data.length) {
            int n = Math.min(data.length - off, 1 + rnd.nextInt(1024));
            try {
                ch.writeInbound(Unpooled.wrappedBuffer(data, off, n));
            } catch (MilterCodecException expected) {
                // the only acceptable failure; keep feeding to check that nothing else breaks
            }
            Channels.drainInbound(ch);
            off += n;
        }
        assertThat(ch.finish()).isFalse();
    }
}
