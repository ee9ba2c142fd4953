// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static dev.mailgate.milter.codec.Bytes.b;
import static dev.mailgate.milter.codec.Bytes.concat;
import static dev.mailgate.milter.codec.Bytes.packet;
import static dev.mailgate.milter.codec.Bytes.u32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.milter.codec.MilterCommand.BodyChunk;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Framing: limits, zero length, fail-fast and the state after an error. */
@ExtendWith(LeakCheck.class)
class MilterFrameDecoderTest {

    private EmbeddedChannel channel;

    @AfterEach
    void nothingLeftBuffered() {
        if (channel != null) {
            assertThat(channel.finish()).isFalse();
        }
    }

    @Test
    void defaultLimitIs65535DataBytes() {
        assertThat(new MilterFrameDecoder().maxPacketDataSize()).isEqualTo(65535);
    }

    @Test
    void maxDataSizeIsAccepted() {
        channel = Channels.server();
        byte[] data = new byte[65535];
        assertThat(Channels.feed(channel, packet('B', data))).containsExactly(new BodyChunk(data));
    }

    @Test
    void maxPlusOneIsRefusedFromTheLengthAlone() {
        channel = Channels.server();
        // only the 4 length bytes and the code arrive: the decoder must not wait for 64 KiB
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(concat(u32(65537), b('B')))))
                .isInstanceOf(MilterCodecException.class)
                .hasMessageContaining("65536 data bytes")
                .hasMessageContaining("length field 65537")
                .hasMessageContaining("limit of 65535");
    }

    @Test
    void configuredLimit() {
        channel = Channels.server(10);
        assertThat(Channels.feed(channel, packet('B', new byte[10]))).hasSize(1);
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(packet('B', new byte[11]))))
                .isInstanceOf(MilterCodecException.class).hasMessageContaining("limit of 10");
    }

    @Test
    void hugeLengthFailsFast() {
        channel = Channels.server();
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(b(0xFF, 0xFF, 0xFF, 0xFF))))
                .isInstanceOf(MilterCodecException.class)
                .hasMessageContaining("length field 4294967295");
    }

    @Test
    void zeroLengthIsAnError() {
        channel = Channels.server();
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(u32(0))))
                .isInstanceOf(MilterCodecException.class)
                .hasMessageContaining("packet length 0");
    }

    @Test
    void everythingAfterAnErrorIsDiscarded() {
        channel = Channels.server();
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(concat(u32(0), packet('A')))))
                .isInstanceOf(MilterCodecException.class);
        // a valid packet after the failure is not decoded: the stream is out of step
        ByteBuf more = Unpooled.wrappedBuffer(packet('Q'));
        channel.writeInbound(more);
        assertThat(channel.<Object>readInbound()).isNull();
        assertThat(more.refCnt()).isZero();
    }

    @Test
    void partialPacketWaits() {
        channel = Channels.server();
        assertThat(Channels.feed(channel, b(0, 0, 0))).isEmpty();
        assertThat(Channels.feed(channel, b(1))).isEmpty();
        assertThat(Channels.feed(channel, b('N'))).containsExactly(MilterCommand.END_OF_HEADERS);
    }

    @Test
    void illegalLimitsAreRefused() {
        assertThatThrownBy(() -> new MilterFrameDecoder(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
