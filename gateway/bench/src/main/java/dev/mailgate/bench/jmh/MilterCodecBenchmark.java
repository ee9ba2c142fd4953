// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench.jmh;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterCommandDecoder;
import dev.mailgate.milter.codec.MilterFrameDecoder;
import dev.mailgate.milter.codec.MilterPackets;
import dev.mailgate.milter.codec.MilterResponse;
import dev.mailgate.milter.codec.MilterResponseEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The milter codec on one message's worth of packets, as Postfix writes them on a new
 * connection (see {@link SampleMessage#milterStream}): decoding with the server-side handlers
 * ({@link MilterFrameDecoder} then {@link MilterCommandDecoder}) in an {@link EmbeddedChannel}
 * and without a channel, and encoding the gateway's answers with {@link MilterResponseEncoder}.
 * One operation = one message.
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class MilterCodecBenchmark {

    /** Header fields per message (the goals use 4 and 20). */
    @Param({"4", "20"})
    public int headers;

    /** Body bytes per message. */
    @Param({"4096"})
    public int bodySize;

    private byte[] stream;
    private int packets;
    private EmbeddedChannel decoder;
    private EmbeddedChannel encoder;
    private List<Object> fullReplies;
    private List<Object> noReplyAnswers;

    @Setup(Level.Trial)
    public void setUp() {
        stream = SampleMessage.milterStream(headers, bodySize);
        packets = SampleMessage.milterPackets(headers, bodySize);
        decoder = new EmbeddedChannel(new MilterFrameDecoder(), new MilterCommandDecoder());
        encoder = new EmbeddedChannel(new MilterResponseEncoder());
        // every command that expects a reply answered (no SMFIP_NR_* negotiated), one write each ...
        List<Object> full = new ArrayList<>();
        full.add(new MilterResponse.OptionNegotiationReply(6, SMFIF_ADDHDRS, SMFI_CURR_PROT & ~SMFIP_NR_MASK));
        for (int i = 0; i < 6 + headers; i++) full.add(MilterResponse.CONTINUE); // connect helo mail rcpt data, headers, eoh
        full.add(MilterResponse.CONTINUE); // the body chunk
        // end of message: the edits and the final answer leave in one write, as the session handler sends them
        full.add(List.of(new MilterResponse.AddHeader("X-Mailgate", "checked by mx.example.org"), MilterResponse.CONTINUE));
        fullReplies = List.copyOf(full);
        // ... and what the default policy answers with the no-reply flags: negotiation and end of message
        noReplyAnswers = List.of(new MilterResponse.OptionNegotiationReply(6, SMFIF_ADDHDRS, SMFI_CURR_PROT),
                List.of(new MilterResponse.AddHeader("X-Mailgate", "checked by mx.example.org"), MilterResponse.CONTINUE));
        int n = decodeEmbedded(null);
        if (n != packets) throw new IllegalStateException("decoded " + n + " packets, expected " + packets);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        decoder.finishAndReleaseAll();
        encoder.finishAndReleaseAll();
    }

    /** The Netty path: frame decoder and command decoder in a channel pipeline. */
    @Benchmark
    public int decodeEmbeddedChannel(Blackhole bh) {
        return decodeEmbedded(bh);
    }

    private int decodeEmbedded(Blackhole bh) {
        decoder.writeInbound(Unpooled.wrappedBuffer(stream));
        int n = 0;
        for (Object m; (m = decoder.readInbound()) != null; n++) {
            if (bh != null) bh.consume(m);
        }
        return n;
    }

    /** The codec alone: framing by hand and {@link MilterPackets#decodeCommand}. */
    @Benchmark
    public int decodeDirect(Blackhole bh) {
        ByteBuf in = Unpooled.wrappedBuffer(stream);
        int n = 0;
        try {
            while (in.isReadable()) {
                int len = (int) in.readUnsignedInt();
                ByteBuf frame = in.readSlice(len);
                MilterCommand c = MilterPackets.decodeCommand((char) frame.readUnsignedByte(), frame, MilterPackets.DEFAULT_CHARSET);
                bh.consume(c);
                n++;
            }
        } finally {
            in.release();
        }
        return n;
    }

    /** The answers with full replies: negotiation, one CONTINUE per command, then the added header with the final answer. */
    @Benchmark
    public int encodeFullReplies() {
        return encode(fullReplies);
    }

    /** The answers with the no-reply flags the default policy negotiates: negotiation and end of message only. */
    @Benchmark
    public int encodeNoReply() {
        return encode(noReplyAnswers);
    }

    private int encode(List<Object> answers) {
        // one writeAndFlush per answer, as the session handler sends them
        for (Object r : answers) encoder.writeAndFlush(r);
        int bytes = 0;
        for (ByteBuf b; (b = encoder.readOutbound()) != null; ) {
            bytes += b.readableBytes();
            b.release();
        }
        return bytes;
    }
}
