// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SmtpServerDecoderTest {
    static final int MAX = 512;
    SmtpServerDecoder decoder;
    EmbeddedChannel ch;

    @BeforeEach
    void setUp() {
        decoder = new SmtpServerDecoder(MAX);
        ch = new EmbeddedChannel(decoder);
    }

    @AfterEach
    void tearDown() {
        ch.finishAndReleaseAll();
    }

    private static ByteBuf bytes(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
    }

    /** Feeds the bytes one at a time: every split point, including inside CRLF and after a dot. */
    private void feedFragmented(String s) {
        for (int i = 0; i < s.length(); i++) ch.writeInbound(bytes(s.substring(i, i + 1)));
    }

    private List<Object> drain() {
        List<Object> out = new ArrayList<>();
        for (Object o; (o = ch.readInbound()) != null; ) out.add(o);
        return out;
    }

    /** Content bytes (released) up to EndOfData; null if the end was not seen. */
    private byte[] content(List<Object> msgs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o : msgs) {
            if (o instanceof SmtpRequest.Content c) {
                byte[] b = new byte[c.content().readableBytes()];
                c.content().readBytes(b);
                out.writeBytes(b);
                c.release();
            } else if (o instanceof SmtpRequest.EndOfData) {
                return out.toByteArray();
            }
        }
        return null;
    }

    @Test
    void commandsAreDecodedOneAtATimeUntilResumed() {
        ch.writeInbound(bytes("EHLO a.example\r\nMAIL FROM:<x@y>\r\n"));
        assertThat(drain()).containsExactly(new SmtpRequest.Command("EHLO", "a.example"));
        assertThat(decoder.isPaused()).isTrue();
        decoder.resume();
        assertThat(drain()).containsExactly(new SmtpRequest.Command("MAIL", "FROM:<x@y>"));
    }

    @Test
    void fragmentedCommandTwin() {
        feedFragmented("rcpt TO:<a@b> NOTIFY=NEVER\r\n");
        assertThat(drain()).containsExactly(new SmtpRequest.Command("RCPT", "TO:<a@b> NOTIFY=NEVER"));
    }

    @Test
    void lineOfExactlyMaxIsAcceptedAndMaxPlusOneRefused() {
        String arg = "x".repeat(MAX - 2 - 5);
        ch.writeInbound(bytes("NOOP " + arg + "\r\n"));
        assertThat(drain()).containsExactly(new SmtpRequest.Command("NOOP", arg));
        decoder.resume();
        assertThatThrownBy(() -> ch.writeInbound(bytes("NOOP " + arg + "x\r\n")))
                .isInstanceOf(SmtpCodecException.class).hasMessageContaining("line too long");
    }

    @Test
    void bareLfAndBareCrInCommandsAreRefused() {
        assertThatThrownBy(() -> ch.writeInbound(bytes("NOOP\n"))).isInstanceOf(SmtpCodecException.class).hasMessageContaining("bare <LF>");
        var other = new EmbeddedChannel(new SmtpServerDecoder(MAX));
        assertThatThrownBy(() -> other.writeInbound(bytes("NOOP\rx"))).isInstanceOf(SmtpCodecException.class).hasMessageContaining("bare <CR>");
        other.finishAndReleaseAll();
    }

    @Test
    void contentKeepsEightBitBytesAndUnstuffsLeadingDots() {
        decoder.startData();
        String wire = "Subject: caf\u00e9\r\n\r\n..leading dot\r\n...two\r\n.\u00ff\u0080\r\nend\r\n.\r\nQUIT\r\n";
        ch.writeInbound(bytes(wire));
        List<Object> msgs = drain();
        assertThat(new String(content(msgs), StandardCharsets.ISO_8859_1))
                .isEqualTo("Subject: caf\u00e9\r\n\r\n.leading dot\r\n..two\r\n\u00ff\u0080\r\nend\r\n");
        assertThat(decoder.isPaused()).isTrue(); // QUIT waits for resume()
        decoder.resume();
        assertThat(drain()).containsExactly(new SmtpRequest.Command("QUIT", ""));
    }

    @Test
    void fragmentedContentTwin() {
        decoder.startData();
        feedFragmented("a\r\n..b\r\n\r\n.\r\n");
        assertThat(new String(content(drain()), StandardCharsets.ISO_8859_1)).isEqualTo("a\r\n.b\r\n\r\n");
    }

    @Test
    void emptyMessage() {
        decoder.startData();
        ch.writeInbound(bytes(".\r\n"));
        assertThat(content(drain())).isEmpty();
    }

    @Test
    void largeContentComesInBoundedChunks() {
        decoder.startData();
        String line = "y".repeat(998) + "\r\n";
        ch.writeInbound(bytes(line.repeat(200) + ".\r\n"));
        List<Object> msgs = drain();
        for (Object o : msgs) {
            if (o instanceof SmtpRequest.Content c) assertThat(c.content().readableBytes()).isLessThanOrEqualTo(SmtpServerDecoder.MAX_CHUNK);
        }
        assertThat(content(msgs)).hasSize(line.length() * 200);
    }

    /** Content bytes (released) up to EndOfChunk; null if the chunk did not end. */
    private byte[] chunk(List<Object> msgs) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object o : msgs) {
            if (o instanceof SmtpRequest.Content c) {
                assertThat(c.content().readableBytes()).isLessThanOrEqualTo(SmtpServerDecoder.MAX_CHUNK);
                byte[] b = new byte[c.content().readableBytes()];
                c.content().readBytes(b);
                out.writeBytes(b);
                c.release();
            } else if (o instanceof SmtpRequest.EndOfChunk) {
                return out.toByteArray();
            }
        }
        return null;
    }

    @Test
    void chunkIsExactlyTheAnnouncedOctetsUnchangedThenCommandsAgain() {
        // dots, CRLF.CRLF, bare LF and CR, NUL: a chunk is counted, never interpreted
        String octets = ".x\r\n.\r\nMAIL FROM:<evil@x>\r\n\n.\n\r\0\u00ff";
        ch.writeInbound(bytes("BDAT " + octets.length() + " LAST\r\n" + octets + "QUIT\r\n"));
        assertThat(drain()).containsExactly(new SmtpRequest.Command("BDAT", octets.length() + " LAST"));
        decoder.startChunk(octets.length());
        assertThat(new String(chunk(drain()), StandardCharsets.ISO_8859_1)).isEqualTo(octets);
        assertThat(decoder.isPaused()).isTrue();
        decoder.resume();
        assertThat(drain()).containsExactly(new SmtpRequest.Command("QUIT", ""));
    }

    @Test
    void fragmentedChunkTwin() {
        String octets = "a\r\n..b\r\n.\r\n";
        decoder.startChunk(octets.length());
        feedFragmented(octets + "NOOP\r\n");
        assertThat(new String(chunk(drain()), StandardCharsets.ISO_8859_1)).isEqualTo(octets);
        decoder.resume();
        assertThat(drain()).containsExactly(new SmtpRequest.Command("NOOP", ""));
    }

    @Test
    void chunkWaitsForItsLastOctet() {
        decoder.startChunk(5);
        ch.writeInbound(bytes("abcd"));
        List<Object> first = drain();
        assertThat(first).noneMatch(o -> o instanceof SmtpRequest.EndOfChunk);
        assertThat(chunk(first)).isNull();
        ch.writeInbound(bytes("eNOOP\r\n"));
        assertThat(new String(chunk(drain()), StandardCharsets.ISO_8859_1)).isEqualTo("e");
    }

    @Test
    void hugeAnnouncedChunkAllocatesOnlyWhatArrives() {
        decoder.startChunk(Long.MAX_VALUE);
        ch.writeInbound(bytes("z".repeat(200_000)));
        List<Object> msgs = drain();
        long got = 0;
        for (Object o : msgs) {
            SmtpRequest.Content c = (SmtpRequest.Content) o;
            assertThat(c.content().capacity()).isLessThanOrEqualTo(SmtpServerDecoder.MAX_CHUNK);
            got += c.content().readableBytes();
            c.release();
        }
        assertThat(got).isEqualTo(200_000);
        assertThat(decoder.isPaused()).isFalse();
    }

    @Test
    void anEmptyChunkIsNotReadByTheDecoder() {
        assertThatThrownBy(() -> decoder.startChunk(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * The SMTP smuggling variants (SEC Consult, Dec 2023, and the follow-ups collected by Postfix at
     * postfix.org/smtp-smuggling.html): each tries to end the message early with something that is
     * not CRLF.CRLF, so that what follows is read as a second message. Each must be refused before
     * any end of data is reported.
     */
    static Stream<Arguments> smuggling() {
        return Stream.of(
                Arguments.of("<LF>.<LF>", "x\n.\nMAIL FROM:<evil@x>\r\n"),
                Arguments.of("<CR><LF>.<LF>", "x\r\n.\nMAIL FROM:<evil@x>\r\n"),
                Arguments.of("<LF>.<CR><LF>", "x\n.\r\nMAIL FROM:<evil@x>\r\n"),
                Arguments.of("<CR>.<CR>", "x\r.\rMAIL FROM:<evil@x>\r\n"),
                Arguments.of("<CR><LF>.<CR>", "x\r\n.\rMAIL FROM:<evil@x>\r\n"),
                Arguments.of("<CR>.<CR><LF>", "x\r.\r\nMAIL FROM:<evil@x>\r\n"),
                Arguments.of("<CR>.<LF>", "x\r.\nMAIL FROM:<evil@x>\r\n"),
                Arguments.of("<LF>.<CR>", "x\n.\rMAIL FROM:<evil@x>\r\n"),
                Arguments.of("<CR><CR><LF>.<CR><CR><LF>", "x\r\r\n.\r\r\nMAIL FROM:<evil@x>\r\n"),
                Arguments.of("bare LF in a line", "a\nb\r\n.\r\n"),
                Arguments.of("bare CR in a line", "a\rb\r\n.\r\n"),
                Arguments.of("<CR><LF>.<NUL><CR><LF>", "x\r\n.\0\r\n.\nMAIL FROM:<evil@x>\r\n"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("smuggling")
    void smugglingVariantsNeverEndTheMessage(String name, String wire) {
        decoder.startData();
        List<Object> seen = new ArrayList<>();
        Throwable error = null;
        try {
            ch.writeInbound(bytes(wire));
        } catch (SmtpCodecException e) {
            error = e;
        }
        seen.addAll(drain());
        assertThat(seen).noneMatch(o -> o instanceof SmtpRequest.EndOfData || o instanceof SmtpRequest.Command);
        if (!name.contains("NUL")) assertThat(error).as(name).isInstanceOf(SmtpCodecException.class);
        seen.forEach(io.netty.util.ReferenceCountUtil::release);
    }

    @ParameterizedTest(name = "fragmented {0}")
    @MethodSource("smuggling")
    void smugglingVariantsFragmented(String name, String wire) {
        decoder.startData();
        List<Object> seen = new ArrayList<>();
        try {
            feedFragmented(wire);
        } catch (SmtpCodecException e) {
            // expected for all but the NUL case
        }
        seen.addAll(drain());
        assertThat(seen).noneMatch(o -> o instanceof SmtpRequest.EndOfData || o instanceof SmtpRequest.Command);
        seen.forEach(io.netty.util.ReferenceCountUtil::release);
    }
}
