// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Replays the packets Postfix 3.7.11 and Sendmail 8.17 exchanged with rawmilter.py
 * ({@code shared/conformance/milter/captures/*.jsonl}): MTA packets through the milter-side
 * decoder, milter packets through the MTA-side decoder, and back through the encoders.
 *
 * <p>Capture format (one JSON object per packet): {@code dir} "mta"/"milter", {@code cmd} the
 * code, {@code len} the length field, {@code d} the data: for milter packets the raw bytes as a
 * Latin-1 string; for MTA packets rawmilter's decoded view (e.g. {@code args}, {@code macros}),
 * rebuilt here into bytes. Body chunks are logged only as head/tail and long raw payloads
 * truncated, so those are checked for decoding but not byte-compared. {@code cmd} "#" marks the
 * closed connection.
 */
@ExtendWith(LeakCheck.class)
class CaptureConformanceTest {
    private static final Path CAPTURES = Path.of("../../../shared/conformance/milter/captures");
    private static final ObjectMapper JSON = new ObjectMapper();

    record Packet(String dir, char code, byte[] data, boolean exact, int len, int line) {
        byte[] wire() {
            return Bytes.concat(Bytes.u32(data.length + 1), new byte[] {(byte) code}, data);
        }
    }

    @TestFactory
    Stream<DynamicTest> everyCapturedPacketDecodesAndReencodes() throws IOException {
        Path dir = CAPTURES.toAbsolutePath().normalize();
        assumeTrue(Files.isDirectory(dir), "packet captures not found at " + dir + "; skipping");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList();
        }
        assumeTrue(!files.isEmpty(), "no *.jsonl in " + dir);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> replay(f)));
    }

    private static void replay(Path file) throws IOException {
        List<Packet> packets = read(file);
        assertThat(packets).isNotEmpty();
        EmbeddedChannel mta = Channels.server();   // receives what the MTA sent
        EmbeddedChannel milter = Channels.client(); // receives what the milter sent
        ByteArrayOutputStream mtaStream = new ByteArrayOutputStream();
        int mtaCount = 0;
        for (Packet p : packets) {
            boolean fromMta = p.dir().equals("mta");
            if (p.exact()) {
                assertThat(p.data().length + 1).as("rebuilt length, line %d", p.line()).isEqualTo(p.len());
            }
            byte[] wire = p.wire();
            List<Object> got = Channels.feed(fromMta ? mta : milter, wire);
            assertThat(got).as("line %d: %s %s", p.line(), p.dir(), p.code()).hasSize(1);
            byte[] again = fromMta
                    ? MilterPackets.encode((MilterCommand) got.get(0))
                    : MilterPackets.encode((MilterResponse) got.get(0));
            if (p.exact()) {
                assertThat(again).as("re-encoded line %d: %s", p.line(), got.get(0)).isEqualTo(wire);
            }
            if (fromMta) {
                mtaStream.writeBytes(wire);
                mtaCount++;
            }
        }
        assertThat(mta.finish()).isFalse();
        assertThat(milter.finish()).isFalse();
        // the whole MTA side in one buffer, as it would arrive in one read
        EmbeddedChannel stream = Channels.server();
        assertThat(Channels.feed(stream, mtaStream.toByteArray())).hasSize(mtaCount);
        assertThat(stream.finish()).isFalse();
    }

    private static List<Packet> read(Path file) throws IOException {
        List<Packet> out = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            JsonNode o = JSON.readTree(line);
            String cmd = o.get("cmd").asText();
            if (cmd.equals("#")) {
                continue; // rawmilter's "connection closed" marker, not a packet
            }
            String dir = o.get("dir").asText();
            char code = cmd.charAt(0);
            int len = o.get("len").asInt();
            JsonNode d = o.get("d");
            if (dir.equals("milter")) {
                out.add(new Packet(dir, code, latin1(d.asText()), true, len, lineNo));
            } else {
                out.add(rebuildMta(code, d, len, lineNo));
            }
        }
        return out;
    }

    /** Turns rawmilter's decoded view of an MTA packet back into its bytes. */
    private static Packet rebuildMta(char code, JsonNode d, int len, int line) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        boolean exact = true;
        if (d.has("error")) {
            throw new AssertionError("rawmilter could not decode line " + line + ": " + d);
        }
        switch (code) {
            case 'O' -> {
                b.writeBytes(Bytes.u32(d.get("version").asInt()));
                b.writeBytes(Bytes.u32(Long.decode(d.get("actions").asText()).intValue()));
                b.writeBytes(Bytes.u32(Long.decode(d.get("pflags").asText()).intValue()));
                b.writeBytes(HexFormat.of().parseHex(d.get("rest").asText()));
            }
            case 'D' -> {
                b.write(d.get("stage").asText().charAt(0));
                d.get("macros").properties().forEach(e -> {
                    b.writeBytes(cstr(e.getKey()));
                    b.writeBytes(cstr(e.getValue().asText()));
                });
            }
            case 'C' -> {
                b.writeBytes(cstr(d.get("host").asText()));
                char family = d.get("family").asText().charAt(0);
                b.write(family);
                if (family != 'U') {
                    b.writeBytes(Bytes.u16(d.get("port").asInt()));
                    d.get("addr").forEach(a -> b.writeBytes(cstr(a.asText())));
                }
            }
            case 'H', 'M', 'R', 'U' -> d.get("args").forEach(a -> b.writeBytes(cstr(a.asText())));
            case 'L' -> d.get("name_value").forEach(a -> b.writeBytes(cstr(a.asText())));
            case 'B' -> {
                int n = d.get("len").asInt();
                byte[] head = latin1(d.get("head").asText());
                if (n <= head.length) {
                    b.writeBytes(head);
                } else {
                    // only head (60) and tail (20) were logged: fill the middle
                    exact = false;
                    byte[] body = new byte[n];
                    java.util.Arrays.fill(body, (byte) 'x');
                    byte[] tail = latin1(d.get("tail").asText());
                    System.arraycopy(head, 0, body, 0, head.length);
                    System.arraycopy(tail, 0, body, n - tail.length, tail.length);
                    b.writeBytes(body);
                }
            }
            default -> {
                byte[] raw = latin1(d.get("raw").asText());
                exact = raw.length == d.get("len").asInt();
                b.writeBytes(raw);
            }
        }
        return new Packet("mta", code, b.toByteArray(), exact, len, line);
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static byte[] cstr(String s) {
        return Bytes.concat(latin1(s), new byte[] {0});
    }
}
