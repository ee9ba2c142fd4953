// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static dev.mailgate.milter.codec.Bytes.b;
import static dev.mailgate.milter.codec.Bytes.packet;
import static dev.mailgate.milter.codec.Bytes.raw;
import static dev.mailgate.milter.codec.Bytes.str;
import static dev.mailgate.milter.codec.Bytes.u16;
import static dev.mailgate.milter.codec.Bytes.u32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Malformed payloads raise a MilterCodecException whose message pinpoints the defect. */
@ExtendWith(LeakCheck.class)
class MalformedPacketTest {

    private EmbeddedChannel channel;

    @AfterEach
    void nothingLeftBuffered() {
        if (channel != null) {
            assertThat(channel.finish()).isFalse();
        }
    }

    static Stream<Arguments> badCommands() {
        return Stream.of(
                Arguments.of(packet('O', u32(6), u32(0x1FF)), "SMFIC_OPTNEG ('O'): truncated protocol: needs 4 bytes, only 0 left"),
                Arguments.of(packet('O', b(0, 0, 0)), "SMFIC_OPTNEG ('O'): truncated version"),
                Arguments.of(packet('D'), "SMFIC_MACRO ('D'): truncated macro stage"),
                Arguments.of(packet('D', b('C'), str("j")), "macro 'j' for stage 'C' has no value"),
                Arguments.of(packet('D', b('C'), str("j"), raw("host")), "macro string 2 is not NUL-terminated"),
                Arguments.of(packet('C', raw("localhost")), "SMFIC_CONNECT ('C'): hostname is not NUL-terminated (9 bytes left)"),
                Arguments.of(packet('C', str("localhost")), "truncated address family"),
                Arguments.of(packet('C', str("localhost"), b('X'), u16(25), str("1.2.3.4")), "unknown address family 'X'"),
                Arguments.of(packet('C', str("localhost"), b('4'), b(0)), "truncated port: needs 2 bytes, only 1 left"),
                Arguments.of(packet('C', str("localhost"), b('4'), u16(25)), "missing address"),
                Arguments.of(packet('C', str("localhost"), b('4'), u16(25), raw("1.2.3.4")), "address is not NUL-terminated"),
                Arguments.of(packet('C', str("localhost"), b('4'), u16(25), str("1.2.3.4"), b('x')), "1 unexpected trailing byte"),
                Arguments.of(packet('H'), "SMFIC_HELO ('H'): missing helo name"),
                Arguments.of(packet('H', raw("vm")), "helo name is not NUL-terminated"),
                Arguments.of(packet('H', str("vm"), str("extra")), "6 unexpected trailing byte"),
                Arguments.of(packet('M'), "SMFIC_MAIL ('M'): missing address (empty payload)"),
                Arguments.of(packet('M', str("<a@b>"), raw("SIZE=1")), "MAIL argument 2 is not NUL-terminated"),
                Arguments.of(packet('R'), "SMFIC_RCPT ('R'): missing address"),
                Arguments.of(packet('L', str("Subject")), "SMFIC_HEADER ('L'): missing header value"),
                Arguments.of(packet('L', str("Subject"), raw("x")), "header value is not NUL-terminated"),
                Arguments.of(packet('T', b(1)), "SMFIC_DATA ('T'): 1 unexpected trailing byte"),
                Arguments.of(packet('N', b(1, 2)), "SMFIC_EOH ('N'): 2 unexpected trailing byte"),
                Arguments.of(packet('A', b(1)), "SMFIC_ABORT ('A')"),
                Arguments.of(packet('Q', b(1)), "SMFIC_QUIT ('Q')"),
                Arguments.of(packet('K', b(1)), "SMFIC_QUIT_NC ('K')"),
                Arguments.of(packet('U', raw("FROB")), "SMFIC_UNKNOWN ('U'): command is not NUL-terminated"),
                Arguments.of(packet('Z'), "unknown command code 'Z'"),
                Arguments.of(packet((char) 0), "unknown command code 0x00"),
                Arguments.of(packet('c'), "unknown command code 'c'"));
    }

    static Stream<Arguments> badResponses() {
        return Stream.of(
                Arguments.of(packet('O', u32(6), u32(0)), "SMFIR_OPTNEG ('O'): truncated protocol"),
                Arguments.of(packet('O', u32(6), u32(0), u32(0), b(0, 0)), "truncated macro list stage"),
                Arguments.of(packet('O', u32(6), u32(0), u32(0), u32(0), raw("j")), "macro list for stage 0 is not NUL-terminated"),
                Arguments.of(packet('O', u32(6), u32(0x100), u32(0), u32(0), str("j"), u32(0), str("i")), "macro list for stage 0 appears twice"),
                Arguments.of(packet('c', b(0)), "SMFIR_CONTINUE ('c'): 1 unexpected trailing byte"),
                Arguments.of(packet('a', b(0)), "SMFIR_ACCEPT ('a')"),
                Arguments.of(packet('y'), "SMFIR_REPLYCODE ('y'): missing reply text"),
                Arguments.of(packet('y', raw("550 no")), "reply text is not NUL-terminated"),
                Arguments.of(packet('y', str("250 ok")), "does not start with a 4xx or 5xx code"),
                Arguments.of(packet('h', str("X-A")), "SMFIR_ADDHEADER ('h'): missing header value"),
                Arguments.of(packet('h', str(""), str("v")), "header name must not be empty"),
                Arguments.of(packet('i', b(0, 0)), "SMFIR_INSHEADER ('i'): truncated header index"),
                Arguments.of(packet('i', u32(-1), str("X"), str("v")), "header index must be >= 0"),
                Arguments.of(packet('m', u32(1), str("X")), "SMFIR_CHGHEADER ('m'): missing header value"),
                Arguments.of(packet('+'), "SMFIR_ADDRCPT ('+'): missing recipient"),
                Arguments.of(packet('+', str("")), "recipient must not be empty"),
                Arguments.of(packet('-', raw("<a@b>")), "SMFIR_DELRCPT ('-'): recipient is not NUL-terminated"),
                Arguments.of(packet('2', str("<a@b>"), str("X=1"), str("extra")), "SMFIR_ADDRCPT_PAR ('2'): 6 unexpected trailing byte"),
                Arguments.of(packet('e', str("<a@b>"), raw("RET")), "SMFIR_CHGFROM ('e'): ESMTP args is not NUL-terminated"),
                Arguments.of(packet('q', str("")), "quarantine reason must not be empty"),
                Arguments.of(packet('l'), "SMFIR_SETSYMLIST ('l'): is reserved"),
                Arguments.of(packet('x'), "unknown reply code 'x'"),
                Arguments.of(packet('C'), "unknown reply code 'C'"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badCommands")
    void commandDecoderRefuses(byte[] wire, String message) {
        channel = Channels.server();
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(wire)))
                .isExactlyInstanceOf(MilterCodecException.class)
                .hasMessageContaining(message);
        assertThat(channel.<Object>readInbound()).isNull();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("badResponses")
    void responseDecoderRefuses(byte[] wire, String message) {
        channel = Channels.client();
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(wire)))
                .isExactlyInstanceOf(MilterCodecException.class)
                .hasMessageContaining(message);
        assertThat(channel.<Object>readInbound()).isNull();
    }

    @Test
    void replaceBodyAboveChunkSizeIsRefusedWithALargerFrameLimit() {
        channel = Channels.client(1 << 20);
        byte[] wire = packet('b', new byte[65536]);
        assertThatThrownBy(() -> channel.writeInbound(Unpooled.wrappedBuffer(wire)))
                .isExactlyInstanceOf(MilterCodecException.class)
                .hasMessageContaining("65536 bytes exceeds 65535");
    }

    @Test
    void connectFamilyUnknownIgnoresTrailingBytesLikeLibmilter() {
        channel = Channels.server();
        assertThat(Channels.feed(channel, packet('C', str("host"), b('U'), u16(0), str(""))))
                .containsExactly(MilterCommand.Connect.unknown("host"));
    }

    @Test
    void optnegIgnoresBytesAfterTwelveLikeLibmilter() {
        channel = Channels.server();
        assertThat(Channels.feed(channel, packet('O', u32(6), u32(1), u32(2), b(9, 9))))
                .containsExactly(new MilterCommand.OptionNegotiation(6, 1, 2));
    }
}
