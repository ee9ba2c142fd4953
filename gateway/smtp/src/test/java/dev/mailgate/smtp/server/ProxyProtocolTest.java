// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.StandardVars;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.Session;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HAProxy PROXY protocol v1 and v2 on the listener, over loopback against a {@link FakeDownstream}:
 * the session and XCLIENT see the address from the header; a connection without a valid header
 * is closed before any greeting; without {@code proxyProtocol} a PROXY line is just a bad command.
 */
class ProxyProtocolTest {
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    FakeDownstream downstream;
    SmtpProxyServer server;
    final List<Session> sessions = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        downstream = new FakeDownstream();
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) server.close();
        downstream.close();
    }

    private Pipeline pipeline;

    /** The refusal is counted on the proxy's event loop, around the moment the client sees the close. */
    private void awaitRefused(long expected) throws InterruptedException {
        for (long until = System.nanoTime() + 5_000_000_000L; System.nanoTime() < until; Thread.sleep(10)) {
            if (pipeline.metrics().connectionsRefused("smtp", "proxy_header") >= expected) break;
        }
        assertThat(pipeline.metrics().connectionsRefused("smtp", "proxy_header")).isEqualTo(expected);
    }

    private int proxy(boolean proxyProtocol) throws Exception {
        Policy p = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC()).parse("pp.yaml", """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 5s
                    commandTimeout: 3s
                    proxyProtocol: %s
                """.formatted(downstream.port(), proxyProtocol));
        assertThat(p.listeners().get(0).smtp().proxyProtocol()).isEqualTo(proxyProtocol);
        pipeline = new Pipeline(p);
        pipeline.observeSessions(sessions::add);
        server = new SmtpProxyServer(pipeline, 1);
        return ((InetSocketAddress) server.bind(p.listeners().get(0))).getPort();
    }

    static byte[] v2(byte[] src, byte[] dst, int srcPort, int dstPort, int command) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(V2_SIGNATURE);
        b.write(0x20 | command); // version 2, LOCAL (0) or PROXY (1)
        b.write(src.length == 4 ? 0x11 : 0x21); // TCP over IPv4 / IPv6
        int len = 2 * src.length + 4;
        b.write(len >> 8);
        b.write(len & 0xff);
        b.writeBytes(src);
        b.writeBytes(dst);
        b.write(srcPort >> 8);
        b.write(srcPort & 0xff);
        b.write(dstPort >> 8);
        b.write(dstPort & 0xff);
        return b.toByteArray();
    }

    @Test
    void v1HeaderSetsTheClientAddressForTheSessionAndXclient() throws Exception {
        int port = proxy(true);
        try (Client c = new Client(port)) {
            // in two pieces: the header may arrive split
            c.write("PROXY TCP4 192.0.2.7 ".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(50);
            c.write("198.51.100.1 40001 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.reply()).startsWith("220 proxy.test.invalid");
            assertThat(c.command("EHLO client.test")).contains("250 ENHANCEDSTATUSCODES");
            Session s = sessions.get(0);
            assertThat(s.get(StandardVars.REMOTE_SMTP_IP)).isEqualTo("192.0.2.7");
            assertThat(s.get(StandardVars.REMOTE_SMTP_PORT)).isEqualTo(40001L);
            assertThat(s.get(StandardVars.SMTP_IP)).isEqualTo("198.51.100.1");
            assertThat(s.get(StandardVars.SMTP_PORT)).isEqualTo(25L);
        }
        assertThat(downstream.lines).anyMatch(l -> l.startsWith("XCLIENT ADDR=192.0.2.7 ") && l.contains(" PORT=40001 ")
                && l.contains("DESTADDR=198.51.100.1 DESTPORT=25"));
    }

    @Test
    void v2HeaderIpv4AndCommandsPipelinedBehindIt() throws Exception {
        int port = proxy(true);
        try (Client c = new Client(port)) {
            byte[] h = v2(new byte[] {(byte) 192, 0, 2, 9}, new byte[] {(byte) 203, 0, 113, 5}, 50000, 2525, 1);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.writeBytes(h);
            b.writeBytes("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII)); // held until after the greeting
            c.write(b.toByteArray());
            assertThat(c.reply()).startsWith("220 ");
            List<String> ehlo = c.replyLines();
            assertThat(ehlo).contains("250 ENHANCEDSTATUSCODES");
            assertThat(sessions.get(0).get(StandardVars.REMOTE_SMTP_IP)).isEqualTo("192.0.2.9");
            assertThat(sessions.get(0).get(StandardVars.REMOTE_SMTP_PORT)).isEqualTo(50000L);
            assertThat(sessions.get(0).get(StandardVars.SMTP_PORT)).isEqualTo(2525L);
        }
        assertThat(downstream.lines).anyMatch(l -> l.startsWith("XCLIENT ADDR=192.0.2.9 "));
    }

    @Test
    void v2HeaderIpv6() throws Exception {
        int port = proxy(true);
        byte[] src = InetAddress.getByName("2001:db8::7").getAddress();
        byte[] dst = InetAddress.getByName("2001:db8::1").getAddress();
        try (Client c = new Client(port)) {
            c.write(v2(src, dst, 1234, 25, 1));
            assertThat(c.reply()).startsWith("220 ");
            c.command("EHLO client.test");
            assertThat(sessions.get(0).get(StandardVars.REMOTE_SMTP_IP)).isEqualTo("2001:db8:0:0:0:0:0:7");
        }
        assertThat(downstream.lines).anyMatch(l -> l.startsWith("XCLIENT ADDR=IPV6:2001:db8:0:0:0:0:0:7 "));
    }

    @Test
    void v2LocalCommandKeepsTheSocketAddresses() throws Exception {
        int port = proxy(true);
        try (Client c = new Client(port)) {
            c.write(v2(new byte[4], new byte[4], 0, 0, 0));
            assertThat(c.reply()).startsWith("220 ");
            c.command("EHLO client.test");
            assertThat(sessions.get(0).get(StandardVars.REMOTE_SMTP_IP)).isEqualTo("127.0.0.1");
        }
    }

    @Test
    void aClientWithoutHeaderIsClosedWithoutGreeting() throws Exception {
        int port = proxy(true);
        try (Client c = new Client(port)) {
            c.write("EHLO client.test\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.in.readLine()).isNull();
        }
        assertThat(sessions).isEmpty();
        assertThat(downstream.lines).isEmpty();
        awaitRefused(1);
    }

    @Test
    void aGarbledHeaderIsClosedWithoutGreeting() throws Exception {
        int port = proxy(true);
        try (Client c = new Client(port)) {
            c.write("PROXY TCP4 999.0.2.7 127.0.0.1 40001 25\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(c.in.readLine()).isNull();
        }
        try (Client c = new Client(port)) {
            byte[] h = v2(new byte[] {(byte) 192, 0, 2, 9}, new byte[] {127, 0, 0, 1}, 1, 25, 1);
            h[12] = 0x31; // version 3
            c.write(h);
            assertThat(c.in.readLine()).isNull();
        }
        assertThat(sessions).isEmpty();
        awaitRefused(2);
    }

    @Test
    void aSilentClientIsClosedAfterTheCommandTimeout() throws Exception {
        int port = proxy(true);
        try (Client c = new Client(port)) {
            c.socket.setSoTimeout(10_000);
            assertThat(c.in.readLine()).isNull(); // no greeting, no 421: closed
        }
        assertThat(sessions).isEmpty();
    }

    @Test
    void withoutTheSettingAProxyLineIsAnUnknownCommand() throws Exception {
        int port = proxy(false);
        try (Client c = new Client(port)) {
            assertThat(c.reply()).startsWith("220 ");
            assertThat(c.command("PROXY TCP4 192.0.2.7 127.0.0.1 40001 25")).containsExactly("500 5.5.2 Error: command not recognized");
            assertThat(sessions.get(0).get(StandardVars.REMOTE_SMTP_IP)).isEqualTo("127.0.0.1");
        }
    }

    static final class Client implements AutoCloseable {
        final Socket socket;
        final BufferedReader in;
        final OutputStream out;

        Client(int port) throws IOException {
            socket = new Socket(InetAddress.getLoopbackAddress(), port);
            socket.setSoTimeout(10_000);
            in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
            out = socket.getOutputStream();
        }

        void write(byte[] b) throws IOException {
            out.write(b);
            out.flush();
        }

        String reply() throws IOException {
            return in.readLine();
        }

        List<String> replyLines() throws IOException {
            List<String> lines = new java.util.ArrayList<>();
            String l;
            do {
                l = in.readLine();
                if (l == null) break;
                lines.add(l);
            } while (l.length() > 3 && l.charAt(3) == '-');
            return lines;
        }

        List<String> command(String line) throws IOException {
            write((line + "\r\n").getBytes(StandardCharsets.US_ASCII));
            return replyLines();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
