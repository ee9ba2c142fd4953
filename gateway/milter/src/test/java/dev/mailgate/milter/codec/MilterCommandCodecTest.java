// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static dev.mailgate.milter.codec.Bytes.b;
import static dev.mailgate.milter.codec.Bytes.packet;
import static dev.mailgate.milter.codec.Bytes.raw;
import static dev.mailgate.milter.codec.Bytes.str;
import static dev.mailgate.milter.codec.Bytes.u16;
import static dev.mailgate.milter.codec.Bytes.u32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.milter.codec.MilterCommand.BodyChunk;
import dev.mailgate.milter.codec.MilterCommand.Connect;
import dev.mailgate.milter.codec.MilterCommand.EndOfMessage;
import dev.mailgate.milter.codec.MilterCommand.Header;
import dev.mailgate.milter.codec.MilterCommand.Helo;
import dev.mailgate.milter.codec.MilterCommand.MacroDefinition;
import dev.mailgate.milter.codec.MilterCommand.MailFrom;
import dev.mailgate.milter.codec.MilterCommand.OptionNegotiation;
import dev.mailgate.milter.codec.MilterCommand.RcptTo;
import dev.mailgate.milter.codec.MilterCommand.Unknown;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every MTA-to-milter command: encoded bytes, decoded value, fragmented decoding. */
@ExtendWith(LeakCheck.class)
class MilterCommandCodecTest {

    private EmbeddedChannel channel;

    @AfterEach
    void nothingLeftBuffered() {
        if (channel != null) {
            assertThat(channel.finish()).isFalse();
        }
    }

    static Stream<Arguments> commands() {
        LinkedHashMap<String, String> macros = new LinkedHashMap<>();
        macros.put("j", "mx.test.invalid");
        macros.put("{daemon_name}", "mx.test.invalid");
        macros.put("_", "localhost [127.0.0.1]");
        byte[] body = raw("line one\r\nline two\r\n\r\n\r\n");
        byte[] big = new byte[MilterConstants.MILTER_CHUNK_SIZE];
        Arrays.fill(big, (byte) 'x');
        return Stream.of(
                Arguments.of("optneg", new OptionNegotiation(6, 0x1FF, 0x1FFFFF),
                        packet('O', u32(6), u32(0x1FF), u32(0x1FFFFF))),
                Arguments.of("macro", new MacroDefinition('C', macros),
                        packet('D', b('C'), str("j"), str("mx.test.invalid"), str("{daemon_name}"), str("mx.test.invalid"),
                                str("_"), str("localhost [127.0.0.1]"))),
                Arguments.of("macro empty", new MacroDefinition('H', Map.of()), packet('D', b('H'))),
                Arguments.of("macro empty value", new MacroDefinition('R', Map.of("{rcpt_host}", "")),
                        packet('D', b('R'), str("{rcpt_host}"), str(""))),
                Arguments.of("connect v4", new Connect("localhost", '4', 42222, "127.0.0.1"),
                        packet('C', str("localhost"), b('4'), u16(42222), str("127.0.0.1"))),
                Arguments.of("connect v6", new Connect("[2001:db8::1]", '6', 65535, "IPv6:2001:db8::1"),
                        packet('C', str("[2001:db8::1]"), b('6'), u16(65535), str("IPv6:2001:db8::1"))),
                Arguments.of("connect unix", new Connect("localhost", 'L', 0, "/run/smtp.sock"),
                        packet('C', str("localhost"), b('L'), u16(0), str("/run/smtp.sock"))),
                Arguments.of("connect unknown", Connect.unknown("client.example"),
                        packet('C', str("client.example"), b('U'))),
                Arguments.of("helo", new Helo("client.test.invalid"), packet('H', str("client.test.invalid"))),
                Arguments.of("helo utf8", new Helo("bücher.example"), packet('H', str("bücher.example"))),
                Arguments.of("mail", MailFrom.of("<a@test.invalid>", "SIZE=10", "BODY=8BITMIME"),
                        packet('M', str("<a@test.invalid>"), str("SIZE=10"), str("BODY=8BITMIME"))),
                Arguments.of("mail null sender", MailFrom.of("<>"), packet('M', str("<>"))),
                Arguments.of("rcpt", RcptTo.of("<rcpt@example.invalid>", "NOTIFY=NEVER"),
                        packet('R', str("<rcpt@example.invalid>"), str("NOTIFY=NEVER"))),
                Arguments.of("data", MilterCommand.DATA, packet('T')),
                Arguments.of("header", new Header("Subject", "milter test"), packet('L', str("Subject"), str("milter test"))),
                Arguments.of("header folded", new Header("X-Folded", "first part\n\tsecond part"),
                        packet('L', str("X-Folded"), str("first part\n\tsecond part"))),
                Arguments.of("header empty value", new Header("X-Empty", ""), packet('L', str("X-Empty"), str(""))),
                Arguments.of("eoh", MilterCommand.END_OF_HEADERS, packet('N')),
                Arguments.of("body", new BodyChunk(body), packet('B', body)),
                Arguments.of("body 8bit and NUL", new BodyChunk(b(0, 0xFF, 0x80, '\r', '\n')), packet('B', b(0, 0xFF, 0x80, '\r', '\n'))),
                Arguments.of("body max chunk", new BodyChunk(big), packet('B', big)),
                Arguments.of("eom", MilterCommand.END_OF_MESSAGE, packet('E')),
                Arguments.of("eom with chunk", new EndOfMessage(raw("tail\r\n")), packet('E', raw("tail\r\n"))),
                Arguments.of("abort", MilterCommand.ABORT, packet('A')),
                Arguments.of("quit", MilterCommand.QUIT, packet('Q')),
                Arguments.of("quit nc", MilterCommand.QUIT_NO_CLOSE, packet('K')),
                Arguments.of("unknown", new Unknown("FROBNICATE"), packet('U', str("FROBNICATE"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void encodes(String name, MilterCommand cmd, byte[] wire) {
        channel = Channels.client();
        assertThat(channel.writeOutbound(cmd)).isTrue();
        assertThat(Channels.drainOutbound(channel)).isEqualTo(wire);
        assertThat(MilterPackets.encode(cmd)).isEqualTo(wire);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void decodes(String name, MilterCommand cmd, byte[] wire) {
        channel = Channels.server();
        List<Object> got = Channels.feed(channel, wire);
        assertThat(got).containsExactly(cmd);
        assertThat(((MilterCommand) got.get(0)).code()).isEqualTo((char) wire[4]);
        assertThat(MilterPackets.decodeCommandPacket(wire)).isEqualTo(cmd);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("commands")
    void decodesInFragments(String name, MilterCommand cmd, byte[] wire) {
        Channels.assertDecodesInFragments(true, wire, cmd);
    }

    @Test
    void severalCommandsInOneBufferDecodeInOrder() {
        channel = Channels.server();
        byte[] all = Bytes.concat(packet('D', b('H')), packet('H', str("vm")), packet('A'), packet('Q'));
        assertThat(Channels.feed(channel, all)).containsExactly(
                new MacroDefinition('H', Map.of()), new Helo("vm"), MilterCommand.ABORT, MilterCommand.QUIT);
    }

    @Test
    void listOfCommandsIsEncodedIntoOneBuffer() {
        channel = Channels.client();
        channel.writeOutbound(List.of(new MacroDefinition('H', Map.of()), new Helo("vm")));
        io.netty.buffer.ByteBuf buf = channel.readOutbound();
        try {
            assertThat(io.netty.buffer.ByteBufUtil.getBytes(buf))
                    .isEqualTo(Bytes.concat(packet('D', b('H')), packet('H', str("vm"))));
        } finally {
            buf.release();
        }
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void macroOrderIsKeptAndLookupIgnoresBraces() {
        channel = Channels.server();
        byte[] wire = packet('D', b('C'), str("{daemon_name}"), str("d"), str("j"), str("host"), str("v"), str("Postfix"));
        MacroDefinition d = (MacroDefinition) Channels.feed(channel, wire).get(0);
        assertThat(d.macros().keySet()).containsExactly("{daemon_name}", "j", "v");
        assertThat(d.get("daemon_name")).isEqualTo("d");
        assertThat(d.get("{j}")).isEqualTo("host");
        assertThat(d.get("{missing}")).isNull();
    }

    @Test
    void invalidUtf8IsReplacedNotRejected() {
        channel = Channels.server();
        byte[] wire = packet('L', str("Subject"), Bytes.concat(b('a', 0xE9, 'b'), b(0)));
        Header h = (Header) Channels.feed(channel, wire).get(0);
        assertThat(h.value()).isEqualTo("a\uFFFDb");
    }

    @Test
    void latin1CodecRoundTripsEveryByte() {
        channel = new EmbeddedChannel(new MilterFrameDecoder(), new MilterCommandDecoder(StandardCharsets.ISO_8859_1),
                new MilterCommandEncoder(StandardCharsets.ISO_8859_1));
        byte[] wire = packet('L', str("Subject"), Bytes.concat(b('a', 0xE9, 0xFF, 'b'), b(0)));
        Object h = Channels.feed(channel, wire).get(0);
        assertThat(((Header) h).value()).isEqualTo("a\u00e9\u00ffb");
        channel.writeOutbound(h);
        assertThat(Channels.drainOutbound(channel)).isEqualTo(wire);
    }

    @Test
    void expectsReplyFollowsNoReplyBits() {
        int nr = MilterConstants.SMFIP_NR_HELO | MilterConstants.SMFIP_NR_HDR;
        assertThat(new Helo("x").expectsReply(0)).isTrue();
        assertThat(new Helo("x").expectsReply(nr)).isFalse();
        assertThat(new Header("a", "b").expectsReply(nr)).isFalse();
        assertThat(MilterCommand.DATA.expectsReply(nr)).isTrue();
        assertThat(MilterCommand.END_OF_MESSAGE.expectsReply(MilterConstants.SMFI_CURR_PROT)).isTrue();
        assertThat(new OptionNegotiation(6, 0, 0).expectsReply(MilterConstants.SMFI_CURR_PROT)).isTrue();
        for (MilterCommand c : List.of(MilterCommand.ABORT, MilterCommand.QUIT, MilterCommand.QUIT_NO_CLOSE,
                new MacroDefinition('C', Map.of()))) {
            assertThat(c.expectsReply(0)).as(c.toString()).isFalse();
        }
    }

    @Test
    void bodyChunksSplitAtChunkSize() {
        byte[] body = new byte[2 * MilterConstants.MILTER_CHUNK_SIZE + 10];
        List<BodyChunk> chunks = BodyChunk.chunks(body);
        assertThat(chunks).extracting(c -> c.data().length)
                .containsExactly(MilterConstants.MILTER_CHUNK_SIZE, MilterConstants.MILTER_CHUNK_SIZE, 10);
    }
}
