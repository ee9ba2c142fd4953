// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * BDAT (RFC 3030) on the client side of the proxy, over loopback against a {@link FakeDownstream}
 * that records what it gets after DATA: chunks are counted, not interpreted, relayed as one
 * dot-stuffed DATA message, and a failed chunk fails the rest of its transaction.
 */
class BdatTest {
    static final String RULES = """
            rules:
              onData:
                - if: mailFrom == "nodata@test.invalid"
                  then: { reject: "550 5.7.1 no data from you" }
              onDataReceived:
                - if: subject.contains("reject-me")
                  then: { reject: "554 5.7.1 content refused" }
            """;
    ProxyHarness proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) proxy.close();
    }

    private ProxyHarness start(String extra) throws Exception {
        proxy = new ProxyHarness(extra, RULES);
        return proxy;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** What DATA carries for {@code content}: leading dots doubled, a CRLF added if the content lacks one at its end. */
    static byte[] stuffed(byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean lineStart = true;
        for (byte b : content) {
            if (lineStart && b == '.') out.write('.');
            out.write(b);
            lineStart = b == '\n';
        }
        if (!lineStart) out.writeBytes(bytes("\r\n"));
        return out.toByteArray();
    }

    /** A BDAT command with its octets. */
    static String bdat(String octets, boolean last) {
        return "BDAT " + octets.length() + (last ? " LAST" : "") + "\r\n" + octets;
    }

    private long dataCommandsDownstream() {
        return proxy.downstream.lines.stream().filter(l -> l.equals("DATA")).count();
    }

    @Test
    void chunkingIsAdvertised() throws Exception {
        start("");
        try (var c = proxy.client()) {
            c.last();
            c.write("EHLO client.test\r\n");
            assertThat(c.reply()).contains("250-CHUNKING", "250-PIPELINING");
        }
    }

    @Test
    void oneLastChunkWithAnEndOfDataInsideArrivesAsOneByteIdenticalMessage() throws Exception {
        start("");
        byte[] content = bytes("Subject: smuggle-free\r\n\r\nfirst\r\n.\r\nMAIL FROM:<evil@test.invalid>\r\n"
                + ".leading dot\r\n..two\r\n\u00e9\u00ff 8-bit\r\nno final line end");
        try (var c = proxy.client().transaction()) {
            c.write(bytes("BDAT " + content.length + " LAST\r\n"));
            c.write(content);
            assertThat(c.last()).isEqualTo("250 ok: queued"); // the downstream's own reply to the final dot
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
        assertThat(proxy.downstream.messages).hasSize(1);
        assertThat(proxy.downstream.messages.get(0).wire()).isEqualTo(stuffed(content));
        assertThat(proxy.downstream.lines).noneMatch(l -> l.startsWith("BDAT")).noneMatch(l -> l.contains("evil"));
        assertThat(dataCommandsDownstream()).isEqualTo(1);
    }

    @Test
    void pipelinedChunksInOneWriteSplitAnywhereMakeOneMessage() throws Exception {
        start("");
        // chunk ends split a CRLF and a line start before a dot: the rules hold across chunks
        String[] chunks = {"Subject: pipelined\r\n\r\nline\r", "\n", ".dot at a chunk start\r\n", "x\r\n.", "\r\n.end\r\n"};
        StringBuilder wire = new StringBuilder();
        for (int i = 0; i < chunks.length; i++) {
            wire.append("BDAT ").append(chunks[i].length()).append(i == chunks.length - 1 ? " LAST" : "").append("\r\n").append(chunks[i]);
        }
        wire.append("BDAT 0 LAST\r\n"); // after LAST: a new transaction is needed
        try (var c = proxy.client().transaction()) {
            c.write(wire.toString());
            for (int i = 0; i < chunks.length - 1; i++) {
                assertThat(c.last()).isEqualTo("250 2.0.0 Ok: " + chunks[i].length() + " octets received");
            }
            assertThat(c.last()).isEqualTo("250 ok: queued");
            assertThat(c.last()).isEqualTo("503 5.5.1 Error: need MAIL command");
        }
        assertThat(proxy.downstream.messages).hasSize(1);
        assertThat(proxy.downstream.messages.get(0).wire()).isEqualTo(stuffed(bytes(String.join("", chunks))));
    }

    @Test
    void anEmptyLastChunkEndsTheMessageAndMayBeTheWholeMessage() throws Exception {
        start("");
        try (var c = proxy.client().transaction()) {
            c.write("BDAT 18\r\nSubject: two\r\n\r\nxyBDAT 0 LAST\r\n");
            assertThat(c.last()).isEqualTo("250 2.0.0 Ok: 18 octets received");
            assertThat(c.last()).isEqualTo("250 ok: queued");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).startsWith("250");
            assertThat(c.command("RCPT TO:<b@test.invalid>")).startsWith("250");
            assertThat(c.command("BDAT 0 LAST")).isEqualTo("250 ok: queued");
        }
        assertThat(proxy.downstream.messages).extracting(FakeDownstream.Received::wire)
                .containsExactly(bytes("Subject: two\r\n\r\nxy\r\n"), new byte[0]);
    }

    @Test
    void bareLfDotLfInAChunkIsRefusedAndTheFollowingChunksToo() throws Exception {
        start("");
        try (var c = proxy.client().transaction()) {
            // the chunk is read to its end (the NOOP after it is a command), its transaction fails
            c.write(bdat("Subject: x\r\n\r\nhello\n.\nsmuggled\r\n", false) + bdat("abc\r\n", true) + "NOOP\r\n");
            assertThat(c.last()).isEqualTo("550 5.5.2 Error: bare <LF> received in message content");
            assertThat(c.last()).isEqualTo("550 5.5.2 Error: bare <LF> received in message content");
            assertThat(c.last()).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("RSET")).startsWith("250");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).startsWith("250");
            assertThat(c.command("RCPT TO:<b@test.invalid>")).startsWith("250");
            c.write(bdat("Subject: ok\r\n\r\n", true));
            assertThat(c.last()).isEqualTo("250 ok: queued");
        }
        assertThat(proxy.downstream.messages).extracting(FakeDownstream.Received::wire).containsExactly(bytes("Subject: ok\r\n\r\n"));
        assertThat(dataCommandsDownstream()).isEqualTo(1);
        assertThat(proxy.downstream.lines).contains("RSET").noneMatch(l -> l.contains("smuggled"));
    }

    @Test
    void aBareCrAtTheEndOfTheLastChunkIsRefused() throws Exception {
        start("");
        try (var c = proxy.client().transaction()) {
            c.write("BDAT 11\r\nSubject: x\rBDAT 1 LAST\r\ny");
            assertThat(c.last()).isEqualTo("250 2.0.0 Ok: 11 octets received");
            assertThat(c.last()).isEqualTo("550 5.5.2 Error: bare <CR> received in message content");
            c.write("BDAT 1 LAST\r\n\r");
            assertThat(c.last()).startsWith("550 5.5.2"); // the same failure until RSET, MAIL or EHLO
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).startsWith("250"); // the transaction was cleared
        }
        assertThat(proxy.downstream.messages).isEmpty();
    }

    @Test
    void ehloEndsTheRepeatedFailureOfAFailedChunk() throws Exception {
        start("");
        try (var c = proxy.client().transaction()) {
            c.write("BDAT 11 LAST\r\nSubject: x\r");
            assertThat(c.last()).isEqualTo("550 5.5.2 Error: bare <CR> received in message content");
            assertThat(c.command("EHLO client.test.invalid")).startsWith("250");
            // a new EHLO resets like RSET: the next BDAT is judged on its own (no transaction: 503)
            c.write("BDAT 1 LAST\r\nz");
            assertThat(c.last()).startsWith("503");
        }
        assertThat(proxy.downstream.messages).isEmpty();
    }

    @Test
    void aMessageOverMaxDataSizeIsRefusedAfterItsChunkAndTheConnectionGoesOn() throws Exception {
        start("    maxDataSize: 1KiB\n");
        byte[] big = bytes("Subject: big\r\n\r\n" + "y".repeat(1100) + "\r\n");
        try (var c = proxy.client().transaction()) {
            c.write(bytes("BDAT 600\r\n"));
            c.write(java.util.Arrays.copyOf(big, 600));
            assertThat(c.last()).isEqualTo("250 2.0.0 Ok: 600 octets received");
            c.write(bytes("BDAT " + (big.length - 600) + "\r\n"));
            c.write(java.util.Arrays.copyOfRange(big, 600, big.length));
            c.write("BDAT 3 LAST\r\nabc");
            assertThat(c.last()).isEqualTo("552 5.3.4 Error: message file too big");
            assertThat(c.last()).isEqualTo("552 5.3.4 Error: message file too big");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).startsWith("250");
        }
        assertThat(proxy.downstream.messages).isEmpty();
        assertThat(proxy.downstream.lines).contains("RSET");
    }

    @Test
    void bdatOutsideATransactionIsReadAndRefused() throws Exception {
        start("");
        try (var c = proxy.client()) {
            c.last();
            c.command("EHLO client.test");
            c.write("BDAT 10 LAST\r\nNOOP\r\nNOOPNOOP\r\n");
            assertThat(c.last()).isEqualTo("503 5.5.1 Error: need MAIL command");
            assertThat(c.last()).isEqualTo("250 2.0.0 Ok"); // the NOOP after the ten octets
        }
    }

    @Test
    void dataAfterBdatIsABadSequence() throws Exception {
        start("");
        try (var c = proxy.client().transaction()) {
            c.write("BDAT 4\r\nabcdDATA\r\nBDAT 1 LAST\r\nx");
            assertThat(c.last()).startsWith("250 2.0.0 Ok: 4");
            assertThat(c.last()).startsWith("503 5.5.1");
            assertThat(c.last()).startsWith("503 5.5.1");
            assertThat(c.command("RSET")).startsWith("250");
        }
        assertThat(proxy.downstream.messages).isEmpty();
    }

    @Test
    void onDataRunsAtTheFirstChunkAndItsRefusalCoversTheTransaction() throws Exception {
        start("");
        try (var c = proxy.client()) {
            c.last();
            c.command("EHLO client.test");
            c.command("MAIL FROM:<nodata@test.invalid>");
            c.command("RCPT TO:<b@test.invalid>");
            c.write("BDAT 3\r\nabcBDAT 3 LAST\r\ndef");
            assertThat(c.last()).isEqualTo("550 5.7.1 no data from you");
            assertThat(c.last()).isEqualTo("550 5.7.1 no data from you");
            assertThat(c.command("NOOP")).isEqualTo("250 2.0.0 Ok");
        }
        assertThat(proxy.downstream.messages).isEmpty();
    }

    @Test
    void theEndOfDataVerdictAppliesAtTheLastChunk() throws Exception {
        start("");
        try (var c = proxy.client().transaction()) {
            String m = "Subject: please reject-me\r\n\r\nbody\r\n";
            c.write("BDAT 10\r\n" + m.substring(0, 10) + "BDAT " + (m.length() - 10) + " LAST\r\n" + m.substring(10));
            assertThat(c.last()).startsWith("250 2.0.0 Ok: 10");
            assertThat(c.last()).isEqualTo("554 5.7.1 content refused");
        }
        assertThat(proxy.downstream.messages).isEmpty();
        assertThat(dataCommandsDownstream()).isZero();
    }

    @Test
    void aBdatWithoutAValidSizeClosesTheConnection() throws Exception {
        start("");
        for (String bad : List.of("BDAT", "BDAT x LAST", "BDAT -1", "BDAT 1 FIRST", "BDAT 1234567890123456789")) {
            try (var c = proxy.client().transaction()) {
                c.write(bad + "\r\nabc\r\n");
                assertThat(c.last()).as(bad).isEqualTo("501 5.5.4 Syntax: BDAT count [LAST]");
                assertThat(c.line()).as(bad).isNull();
            }
        }
    }
}
