// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link HeaderScanner}: fields with their positions, where the body starts, whole or fed octet by octet. */
class HeaderScannerTest {
    final List<String> seen = new ArrayList<>();
    final StringBuilder body = new StringBuilder();

    private HeaderScanner scanner() {
        return new HeaderScanner(new HeaderScanner.Listener() {
            @Override
            public void field(String name, long start, long end, String value) {
                seen.add(name + "@" + start + "-" + end + "=" + value);
            }

            @Override
            public void end(long headerEnd, long bodyStart, byte[] bodyPrefix) {
                seen.add("end@" + headerEnd + "/" + bodyStart);
                body.append(new String(bodyPrefix, StandardCharsets.ISO_8859_1));
            }
        });
    }

    /** Feeds {@code message} in pieces of {@code step} octets; the octets past the header go to {@link #body}. */
    private List<String> scan(String message, int step) {
        HeaderScanner h = scanner();
        for (int i = 0; i < message.length(); i += step) {
            String piece = message.substring(i, Math.min(message.length(), i + step));
            ByteBuf b = Unpooled.copiedBuffer(piece, StandardCharsets.ISO_8859_1);
            int header = h.done() ? 0 : h.scan(b);
            body.append(piece.substring(header));
            b.release();
        }
        h.finish();
        return seen;
    }

    @Test
    void fieldsFoldingAndTheBlankLine() {
        String m = "Subject: cafe\r\n folded\r\nX-A:b\r\n\r\n.body\r\n";
        for (int step : new int[] {m.length(), 1, 3}) {
            seen.clear();
            body.setLength(0);
            assertThat(scan(m, step)).as("step " + step).containsExactly(
                    "Subject@0-24=cafe\r\n folded", "X-A@24-31=b", "end@31/33");
            assertThat(body.toString()).isEqualTo(".body\r\n");
        }
    }

    @Test
    void aLineThatIsNoFieldStartsTheBodyWithoutBlankLine() {
        for (int step : new int[] {100, 1}) {
            seen.clear();
            body.setLength(0);
            assertThat(scan("A: 1\r\nnot a field\r\nB: 2\r\n", step)).containsExactly("A@0-6=1", "end@6/6");
            assertThat(body.toString()).isEqualTo("not a field\r\nB: 2\r\n");
        }
    }

    @Test
    void aMessageThatEndsInsideItsHeader() {
        assertThat(scan("A: 1\r\nB: 2", 4)).containsExactly("A@0-6=1", "B@6-10=2", "end@10/10");
        seen.clear();
        body.setLength(0);
        assertThat(scan("A: 1\r\nxyz", 2)).containsExactly("A@0-6=1", "end@6/6");
        assertThat(body.toString()).isEqualTo("xyz");
    }

    @Test
    void aHugeFieldIsPassedOnCutButItsPositionIsWhole() {
        String value = "v".repeat(HeaderScanner.MAX_VALUE + 5000);
        List<String> r = scan("Big: " + value + "\r\n\r\n", 8192);
        assertThat(r).hasSize(2);
        assertThat(r.get(0)).startsWith("Big@0-" + (5 + value.length() + 2) + "=");
        assertThat(r.get(0).length()).isLessThan(HeaderScanner.MAX_VALUE + 30);
    }
}
