// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static dev.mailgate.milter.codec.Bytes.b;
import static dev.mailgate.milter.codec.Bytes.packet;
import static dev.mailgate.milter.codec.Bytes.raw;
import static dev.mailgate.milter.codec.Bytes.str;
import static dev.mailgate.milter.codec.Bytes.u32;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.milter.codec.MilterResponse.AddHeader;
import dev.mailgate.milter.codec.MilterResponse.AddRecipient;
import dev.mailgate.milter.codec.MilterResponse.AddRecipientWithArgs;
import dev.mailgate.milter.codec.MilterResponse.ChangeFrom;
import dev.mailgate.milter.codec.MilterResponse.ChangeHeader;
import dev.mailgate.milter.codec.MilterResponse.DeleteRecipient;
import dev.mailgate.milter.codec.MilterResponse.InsertHeader;
import dev.mailgate.milter.codec.MilterResponse.OptionNegotiationReply;
import dev.mailgate.milter.codec.MilterResponse.Quarantine;
import dev.mailgate.milter.codec.MilterResponse.ReplaceBody;
import dev.mailgate.milter.codec.MilterResponse.ReplyCode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayInputStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every milter-to-MTA packet: encoded bytes, decoded value, fragmented decoding, batching. */
@ExtendWith(LeakCheck.class)
class MilterResponseCodecTest {

    private EmbeddedChannel channel;

    @AfterEach
    void nothingLeftBuffered() {
        if (channel != null) {
            assertThat(channel.finish()).isFalse();
        }
    }

    static Stream<Arguments> responses() {
        LinkedHashMap<Integer, String> lists = new LinkedHashMap<>();
        lists.put(MilterConstants.SMFIM_CONNECT, "{client_addr} {client_name} {client_ptr} j");
        lists.put(MilterConstants.SMFIM_HELO, "{tls_version}");
        lists.put(MilterConstants.SMFIM_EOM, "i {msg_id}");
        lists.put(MilterConstants.SMFIM_EOH, "");
        byte[] big = new byte[MilterConstants.MILTER_CHUNK_SIZE];
        Arrays.fill(big, (byte) 'y');
        return Stream.of(
                Arguments.of("optneg", new OptionNegotiationReply(6, 0x1FF, 0),
                        packet('O', u32(6), u32(0x1FF), u32(0))),
                // the exact reply captured in raw-nr.jsonl
                Arguments.of("optneg with macro lists", new OptionNegotiationReply(6, 0x1FF, 0x1DF5A2, lists),
                        packet('O', u32(6), u32(0x1FF), u32(0x1DF5A2),
                                u32(0), str("{client_addr} {client_name} {client_ptr} j"),
                                u32(1), str("{tls_version}"), u32(5), str("i {msg_id}"), u32(6), str(""))),
                Arguments.of("continue", MilterResponse.CONTINUE, packet('c')),
                Arguments.of("accept", MilterResponse.ACCEPT, packet('a')),
                Arguments.of("reject", MilterResponse.REJECT, packet('r')),
                Arguments.of("tempfail", MilterResponse.TEMPFAIL, packet('t')),
                Arguments.of("discard", MilterResponse.DISCARD, packet('d')),
                Arguments.of("skip", MilterResponse.SKIP, packet('s')),
                Arguments.of("progress", MilterResponse.PROGRESS, packet('p')),
                Arguments.of("shutdown", MilterResponse.SHUTDOWN, packet('4')),
                Arguments.of("conn fail", MilterResponse.CONNECTION_FAILURE, packet('f')),
                Arguments.of("replycode", new ReplyCode("550 5.7.1 Go away"), packet('y', str("550 5.7.1 Go away"))),
                Arguments.of("replycode multiline",
                        new ReplyCode("550-5.7.1 first line\r\n550-5.7.1 second line\r\n550 5.7.1 last line"),
                        packet('y', str("550-5.7.1 first line\r\n550-5.7.1 second line\r\n550 5.7.1 last line"))),
                Arguments.of("add header", new AddHeader("X-Raw-Added", "added by rawmilter"),
                        packet('h', str("X-Raw-Added"), str("added by rawmilter"))),
                Arguments.of("insert header", new InsertHeader(0, "X-Raw-Inserted", "inserted at index 0"),
                        packet('i', u32(0), str("X-Raw-Inserted"), str("inserted at index 0"))),
                Arguments.of("change header", new ChangeHeader(1, "Subject", "changed subject"),
                        packet('m', u32(1), str("Subject"), str("changed subject"))),
                Arguments.of("delete header", ChangeHeader.delete(1, "X-Delete-Me"),
                        packet('m', u32(1), str("X-Delete-Me"), str(""))),
                Arguments.of("add rcpt", new AddRecipient("<added-rcpt@test.invalid>"), packet('+', str("<added-rcpt@test.invalid>"))),
                Arguments.of("add rcpt par", new AddRecipientWithArgs("<r@test.invalid>", "NOTIFY=NEVER ORCPT=rfc822;r@x"),
                        packet('2', str("<r@test.invalid>"), str("NOTIFY=NEVER ORCPT=rfc822;r@x"))),
                Arguments.of("add rcpt par no args", new AddRecipientWithArgs("<r@test.invalid>", ""),
                        packet('2', str("<r@test.invalid>"))),
                Arguments.of("del rcpt", new DeleteRecipient("<rcpt@example.invalid>"), packet('-', str("<rcpt@example.invalid>"))),
                Arguments.of("chgfrom", new ChangeFrom("<new-sender@test.invalid>"), packet('e', str("<new-sender@test.invalid>"))),
                Arguments.of("chgfrom args", new ChangeFrom("<s@test.invalid>", "RET=HDRS"),
                        packet('e', str("<s@test.invalid>"), str("RET=HDRS"))),
                Arguments.of("replbody", new ReplaceBody(raw("replaced body line 1\r\nreplaced body line 2\r\n")),
                        packet('b', raw("replaced body line 1\r\nreplaced body line 2\r\n"))),
                Arguments.of("replbody max", new ReplaceBody(big), packet('b', big)),
                Arguments.of("replbody binary", new ReplaceBody(b(0, 1, 0xFF)), packet('b', b(0, 1, 0xFF))),
                Arguments.of("quarantine", new Quarantine("held by rawmilter test"), packet('q', str("held by rawmilter test"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void encodes(String name, MilterResponse resp, byte[] wire) {
        channel = Channels.server();
        assertThat(channel.writeOutbound(resp)).isTrue();
        assertThat(Channels.drainOutbound(channel)).isEqualTo(wire);
        assertThat(MilterPackets.encode(resp)).isEqualTo(wire);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void decodes(String name, MilterResponse resp, byte[] wire) {
        channel = Channels.client();
        List<Object> got = Channels.feed(channel, wire);
        assertThat(got).containsExactly(resp);
        assertThat(((MilterResponse) got.get(0)).code()).isEqualTo((char) wire[4]);
        assertThat(MilterPackets.decodeResponsePacket(wire)).isEqualTo(resp);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("responses")
    void decodesInFragments(String name, MilterResponse resp, byte[] wire) {
        Channels.assertDecodesInFragments(false, wire, resp);
    }

    @Test
    void listIsEncodedIntoOneBuffer() {
        channel = Channels.server();
        channel.writeOutbound(List.of(new AddHeader("X-A", "1"), MilterResponse.PROGRESS, MilterResponse.ACCEPT));
        ByteBuf buf = channel.readOutbound();
        try {
            assertThat(ByteBufUtil.getBytes(buf)).isEqualTo(Bytes.concat(
                    packet('h', str("X-A"), str("1")), packet('p'), packet('a')));
        } finally {
            buf.release();
        }
        assertThat(channel.<Object>readOutbound()).isNull();
    }

    @Test
    void severalWritesThenOneFlush() {
        channel = Channels.server();
        channel.write(new AddHeader("X-A", "1"));
        channel.write(new ChangeFrom("<s@x>"));
        channel.write(MilterResponse.CONTINUE);
        assertThat(channel.<Object>readOutbound()).as("nothing before the flush").isNull();
        channel.flush();
        assertThat(Channels.drainOutbound(channel)).isEqualTo(Bytes.concat(
                packet('h', str("X-A"), str("1")), packet('e', str("<s@x>")), packet('c')));
    }

    @Test
    void kindsOfResponses() {
        assertThat(MilterResponse.CONTINUE.isFinal()).isTrue();
        assertThat(new ReplyCode("451 4.3.0 later").isFinal()).isTrue();
        assertThat(new OptionNegotiationReply(6, 0, 0).isFinal()).isTrue();
        assertThat(MilterResponse.PROGRESS.isFinal()).isFalse();
        assertThat(MilterResponse.PROGRESS.isModification()).isFalse();
        assertThat(new Quarantine("x").isModification()).isTrue();
        assertThat(new Quarantine("x").isFinal()).isFalse();
        assertThat(new ReplyCode("451 4.3.0 later").isTemporary()).isTrue();
        assertThat(new ReplyCode("554 5.7.1 no").smtpCode()).isEqualTo(554);
    }

    @Test
    void replaceBodySplitsArraysAndStreams() throws Exception {
        byte[] body = new byte[MilterConstants.MILTER_CHUNK_SIZE * 2 + 1];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }
        List<ReplaceBody> fromArray = ReplaceBody.chunks(body);
        List<ReplaceBody> fromStream = ReplaceBody.chunks(new ByteArrayInputStream(body));
        assertThat(fromArray).extracting(c -> c.chunk().length)
                .containsExactly(MilterConstants.MILTER_CHUNK_SIZE, MilterConstants.MILTER_CHUNK_SIZE, 1);
        assertThat(fromStream).isEqualTo(fromArray);
        assertThat(ReplaceBody.chunks(new byte[0])).isEmpty();
        byte[] joined = Bytes.concat(fromArray.stream().map(ReplaceBody::chunk).toArray(byte[][]::new));
        assertThat(joined).isEqualTo(body);
    }
}
