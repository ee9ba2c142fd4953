// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** SmtpClient against SmtpSink (and a scripted server), no MTA needed: runs in the unit test phase. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SmtpClientSinkTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void multipleRecipientsDotStuffingAndHeaders() {
        try (SmtpSink sink = SmtpSink.start(); SmtpClient c = new SmtpClient(WAIT)) {
            assertThat(c.connect("127.0.0.1", sink.port()).code()).isEqualTo(220);
            SmtpResponse ehlo = c.ehlo("client.test.invalid");
            assertThat(ehlo.lines()).hasSizeGreaterThan(1).allMatch(l -> l.startsWith("250"));
            assertThat(ehlo.lastLine()).startsWith("250 ");
            SmtpTransaction t = c.send("a@test.invalid", List.of("b@example.invalid", "c@example.invalid"), """
                    Subject: hi
                    X-Folded: one
                    \ttwo
                    X-Multi: 1
                    X-Multi: 2

                    .starts with a dot
                    ..two dots
                    .
                    last
                    """);
            assertThat(t.accepted()).isTrue();
            assertThat(t.recipients()).extracting(SmtpResponse::code).containsExactly(250, 250);
            assertThat(c.quit().code()).isEqualTo(221);

            ReceivedMessage m = sink.awaitMessages(1, WAIT).getFirst();
            assertThat(m.sender()).isEqualTo("a@test.invalid");
            assertThat(m.recipients()).containsExactly("b@example.invalid", "c@example.invalid");
            assertThat(m.helo()).isEqualTo("client.test.invalid");
            assertThat(m.header("subject")).isEqualTo("hi");
            assertThat(m.header("X-Folded")).isEqualTo("one\ttwo");
            assertThat(m.headers("X-Multi")).containsExactly("1", "2");
            assertThat(m.header("Missing")).isNull();
            assertThat(m.body()).isEqualTo(".starts with a dot\r\n..two dots\r\n.\r\nlast\r\n");
            assertThat(m.text()).startsWith("Subject: hi\r\n");
        }
    }

    @Test
    void exactBytesSeveralTransactionsAndClear() {
        byte[] eightBit = "Subject: caf\u00e9\r\n\r\nno final newline".getBytes(StandardCharsets.UTF_8);
        try (SmtpSink sink = SmtpSink.start(); SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", sink.port());
            c.helo("client.test.invalid");
            assertThat(c.send("", List.of("x@example.invalid"), eightBit).accepted()).isTrue();
            assertThat(c.rset().code()).isEqualTo(250);
            assertThat(c.send("<y@test.invalid>", List.of("z@example.invalid"), "Subject: 2\n\nx\n").accepted()).isTrue();
            List<ReceivedMessage> all = sink.awaitMessages(2, WAIT);
            assertThat(all.get(0).sender()).isEmpty();
            assertThat(all.get(0).raw()).isEqualTo("Subject: caf\u00e9\r\n\r\nno final newline\r\n".getBytes(StandardCharsets.UTF_8));
            assertThat(all.get(0).header("Subject")).isEqualTo("caf\u00e9");
            assertThat(all.get(1).sender()).isEqualTo("y@test.invalid");
            sink.clear();
            assertThat(sink.messages()).isEmpty();
            assertThat(c.responses()).extracting(SmtpResponse::code).contains(354);
        }
    }

    @Test
    void awaitMessagesFailsWithWhatArrived() {
        try (SmtpSink sink = SmtpSink.start()) {
            assertThatThrownBy(() -> sink.awaitMessages(1, Duration.ofMillis(200)))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("got 0");
        }
    }

    @Test
    void multiLineRepliesAndReadTimeout() throws IOException {
        try (ServerSocket server = new ServerSocket()) {
            server.bind(new InetSocketAddress(LocalPorts.LOOPBACK, 0));
            Thread.ofVirtual().start(() -> scriptedServer(server));
            try (SmtpClient c = new SmtpClient(Duration.ofMillis(500))) {
                assertThat(c.connect("127.0.0.1", server.getLocalPort()).code()).isEqualTo(220);
                SmtpResponse r = c.mail("a@test.invalid");
                assertThat(r.code()).isEqualTo(550);
                assertThat(r.isPermanentFailure()).isTrue();
                assertThat(r.lines()).containsExactly("550-5.7.1 first line", "550 5.7.1 last line");
                assertThat(r.texts()).containsExactly("5.7.1 first line", "5.7.1 last line");
                // the server never answers NOOP: the read times out with the transcript in the message
                assertThatThrownBy(c::noop).isInstanceOf(UncheckedIOException.class)
                        .hasMessageContaining("no complete reply").hasMessageContaining("C: NOOP");
            }
        }
    }

    private static void scriptedServer(ServerSocket server) {
        try (Socket s = server.accept()) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write("220 scripted\r\n".getBytes(StandardCharsets.US_ASCII));
            while (in.read() != '\n') {
                // swallow MAIL
            }
            out.write("550-5.7.1 first line\r\n550 5.7.1 last line\r\n".getBytes(StandardCharsets.US_ASCII));
            in.readAllBytes(); // hold the connection until the client closes it
        } catch (IOException ignored) {
            // client closed
        }
    }

    @Test
    void parsesPostqueueListing() {
        String listing = """
                -Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------
                4F1A22C0A3!     345 Sun Nov 23 14:30:00  sender@test.invalid
                                                         rcpt@example.invalid

                B9A7920C3D2*    512 Sun Nov 23 14:30:01  sender@test.invalid
                                                         rcpt@example.invalid

                C1234567890     512 Sun Nov 23 14:30:02  sender@test.invalid
                (connect to 127.0.0.1[127.0.0.1]:2525: Connection refused)
                                                         rcpt@example.invalid

                -- 1 Kbytes in 3 Requests.
                """;
        assertThat(PostfixInstance.parseQueue(listing, false)).containsExactly("4F1A22C0A3", "B9A7920C3D2", "C1234567890");
        assertThat(PostfixInstance.parseQueue(listing, true)).containsExactly("4F1A22C0A3");
        assertThat(PostfixInstance.parseQueue("Mail queue is empty\n", false)).isEmpty();
    }
}
