// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpSink;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * BDAT and spilled messages end to end: a raw client → the gateway's smtp listener (CHUNKING,
 * spillThreshold 64 KiB) → a real Postfix 3.7 → SmtpSink. What the sink receives after
 * Postfix's own Received header must be the client's message, octet for octet.
 */
class ProxyChunkingIT {
    static final Duration WAIT = Duration.ofSeconds(30);
    static Path dir;
    static Path spill;
    static SmtpSink sink;
    static PostfixInstance postfix;
    static Gateway gateway;
    static int proxyPort;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        dir = Files.createTempDirectory("mailgate-chunking-it",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        spill = Files.createDirectory(dir.resolve("spill"));
        sink = SmtpSink.start();
        postfix = PostfixInstance.builder(dir.resolve("pfx"))
                .relayPort(sink.port())
                .setting("smtpd_authorized_xclient_hosts", "127.0.0.0/8")
                .start();
        String policy = """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 20s
                    maxDataSize: 8MiB
                    spillThreshold: 64KiB
                    spillDirectory: %s
                """.formatted(postfix.smtpPort(), spill);
        gateway = Gateway.start(() -> TestPolicies.parse("proxy-chunking-it.yaml", policy));
        proxyPort = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (postfix != null) postfix.close();
        if (sink != null) sink.close();
    }

    @BeforeEach
    void clean() {
        sink.clear();
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** The message's octets after its header (what Postfix never touches). */
    static byte[] bodyOf(byte[] message) {
        for (int i = 0; i + 3 < message.length; i++) {
            if (message[i] == '\r' && message[i + 1] == '\n' && message[i + 2] == '\r' && message[i + 3] == '\n') {
                return Arrays.copyOfRange(message, i + 4, message.length);
            }
        }
        throw new AssertionError("no blank line");
    }

    static void awaitEmpty(Path d) throws Exception {
        for (long until = System.nanoTime() + 5_000_000_000L; ; Thread.sleep(20)) {
            try (var files = Files.list(d)) {
                List<Path> left = files.toList();
                if (left.isEmpty()) return;
                if (System.nanoTime() > until) throw new AssertionError("left behind: " + left);
            }
        }
    }

    /** A raw client: exact bytes out, reply lines in. */
    static final class Raw implements AutoCloseable {
        final Socket socket = new Socket("127.0.0.1", proxyPort);
        final InputStream in;
        final OutputStream out;

        Raw() throws IOException {
            socket.setSoTimeout((int) WAIT.toMillis());
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
            assertThat(last()).startsWith("220 ");
            assertThat(command("EHLO client.test.invalid")).startsWith("250 ");
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        String command(String line) throws IOException {
            write(bytes(line + "\r\n"));
            return last();
        }

        /** The last line of one reply. */
        String last() throws IOException {
            while (true) {
                ByteArrayOutputStream l = new ByteArrayOutputStream();
                for (int c = in.read(); c != '\n'; c = in.read()) {
                    if (c < 0) throw new IOException("closed");
                    if (c != '\r') l.write(c);
                }
                String line = l.toString(StandardCharsets.ISO_8859_1);
                if (line.length() < 4 || line.charAt(3) != '-') return line;
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    @Test
    void pipelinedBdatChunksWithAnEndOfDataInsideArriveAsOneIdenticalMessage() throws Exception {
        byte[] head = bytes("From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: chunked\r\n"
                + "Message-Id: <chunked@test.invalid>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n");
        byte[] body = concat(bytes("first\r\n.\r\nMAIL FROM:<evil@test.invalid>\r\n.leading dot\r\n..two\r\n"),
                new byte[] {(byte) 0xe9, (byte) 0xff, (byte) 0x80, ' ', '8', '-', 'b', 'i', 't', '\r', '\n'}, bytes(".\r\nlast\r\n"));
        byte[] message = concat(head, body);
        int cut = head.length + 8; // the second chunk starts right after a CRLF, with a dot
        try (Raw c = new Raw()) {
            c.write(bytes("MAIL FROM:<a@test.invalid> BODY=8BITMIME\r\nRCPT TO:<b@example.invalid>\r\n"));
            assertThat(c.last()).startsWith("250");
            assertThat(c.last()).startsWith("250");
            c.write(concat(bytes("BDAT " + cut + "\r\n"), Arrays.copyOf(message, cut),
                    bytes("BDAT " + (message.length - cut) + " LAST\r\n"), Arrays.copyOfRange(message, cut, message.length)));
            assertThat(c.last()).isEqualTo("250 2.0.0 Ok: " + cut + " octets received");
            assertThat(c.last()).startsWith("250 ").contains("queued as"); // Postfix's reply to the final dot
            c.command("QUIT");
        }
        List<ReceivedMessage> got = sink.awaitMessages(1, WAIT);
        Thread.sleep(500); // a smuggled second message would show up now
        assertThat(sink.messages()).hasSize(1);
        assertThat(bodyOf(got.get(0).raw())).isEqualTo(body);
        assertThat(got.get(0).recipients()).containsExactly("b@example.invalid");
        assertThat(postfix.maillog()).doesNotContain("evil@test.invalid");
    }

    @Test
    void bareLfDotLfInAChunkIsRefusedAndNothingIsDelivered() throws Exception {
        try (Raw c = new Raw()) {
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).startsWith("250");
            assertThat(c.command("RCPT TO:<b@example.invalid>")).startsWith("250");
            byte[] chunk = bytes("Subject: smuggle\r\n\r\nx\n.\nMAIL FROM:<evil@test.invalid>\r\n");
            c.write(concat(bytes("BDAT " + chunk.length + " LAST\r\n"), chunk));
            assertThat(c.last()).isEqualTo("550 5.5.2 Error: bare <LF> received in message content");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).startsWith("250");
            assertThat(c.command("RCPT TO:<b@example.invalid>")).startsWith("250");
            byte[] good = bytes("Subject: good\r\nMessage-Id: <good@test.invalid>\r\n\r\nok\r\n");
            c.write(concat(bytes("BDAT " + good.length + " LAST\r\n"), good));
            assertThat(c.last()).contains("queued as");
        }
        assertThat(sink.awaitMessages(1, WAIT).get(0).header("Subject")).isEqualTo("good");
        Thread.sleep(500);
        assertThat(sink.messages()).hasSize(1);
        assertThat(postfix.maillog()).doesNotContain("evil@test.invalid");
    }

    @Test
    void aMessageLargerThanTheThresholdArrivesByteIdenticalAndItsFileIsGone() throws Exception {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int i = 0; body.size() < 3 << 20; i++) {
            if (i % 7 == 0) body.writeBytes(bytes(".")); // leading dots, stuffed on every hop
            if (i % 11 == 0) body.writeBytes(bytes(".."));
            for (int j = 0; j < 120; j++) body.write(0x20 + (i * 31 + j) % 0xdf); // printable and 8-bit
            body.writeBytes(bytes("\r\n"));
        }
        byte[] head = bytes("From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: large\r\n"
                + "Message-Id: <large@test.invalid>\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n\r\n");
        var spilled = new java.util.concurrent.atomic.AtomicBoolean();
        var watching = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread watcher = Thread.ofVirtual().start(() -> {
            while (watching.get() && !spilled.get()) {
                try (var files = Files.list(spill)) {
                    if (files.findAny().isPresent()) spilled.set(true);
                } catch (IOException e) {
                    return;
                }
            }
        });
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", proxyPort);
            c.ehlo("client.test.invalid");
            assertThat(c.mail("a@test.invalid", "BODY=8BITMIME").code()).isEqualTo(250);
            assertThat(c.rcpt("b@example.invalid").code()).isEqualTo(250);
            assertThat(c.data(concat(head, body.toByteArray())).code()).isEqualTo(250);
            c.quit();
        } finally {
            watching.set(false);
            watcher.join();
        }
        assertThat(spilled).as("the message went through a file in " + spill).isTrue();
        byte[] raw = sink.awaitMessages(1, WAIT).get(0).raw();
        assertThat(bodyOf(raw)).isEqualTo(body.toByteArray());
        awaitEmpty(spill);
    }
}
