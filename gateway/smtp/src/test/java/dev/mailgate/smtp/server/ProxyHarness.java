// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxy on loopback in front of a {@link FakeDownstream}, with the listener settings and the
 * rules a test names, and a raw client that writes exact bytes (pipelined or not) and reads
 * replies line by line.
 */
final class ProxyHarness implements AutoCloseable {
    final FakeDownstream downstream;
    final SmtpProxyServer server;
    final int port;

    /**
     * @param listenerExtra more settings of the smtp listener, each line indented by four spaces
     * @param rest          policy sections after {@code listen:} (rules), or ""
     */
    ProxyHarness(String listenerExtra, String rest) throws Exception {
        downstream = new FakeDownstream();
        Policy p = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC()).parse("harness.yaml", """
                listen:
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    hostname: proxy.test.invalid
                    downstreamTimeout: 5s
                """.formatted(downstream.port()) + listenerExtra + rest);
        pipeline = new Pipeline(p);
        server = new SmtpProxyServer(pipeline, 1);
        port = ((InetSocketAddress) server.bind(p.listeners().get(0))).getPort();
    }

    /** The pipeline behind the proxy (its metrics, for tests). */
    Pipeline pipeline;

    Client client() throws IOException {
        return new Client(new Socket(InetAddress.getLoopbackAddress(), port));
    }

    @Override
    public void close() throws IOException {
        server.close();
        downstream.close();
    }

    /** A client on a raw socket: exact bytes out, reply lines in. */
    static final class Client implements AutoCloseable {
        final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Client(Socket socket) throws IOException {
            this.socket = socket;
            socket.setSoTimeout(15_000);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        }

        void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        void write(String text) throws IOException {
            write(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** One reply, all its lines without CRLF; fails when the connection closes first. */
        List<String> reply() throws IOException {
            List<String> lines = new ArrayList<>();
            while (true) {
                String l = line();
                if (l == null) throw new IOException("connection closed after " + lines);
                lines.add(l);
                if (l.length() < 4 || l.charAt(3) != '-') return lines;
            }
        }

        /** The last line of one reply. */
        String last() throws IOException {
            List<String> r = reply();
            return r.get(r.size() - 1);
        }

        /** Sends a command line and returns the last line of its reply. */
        String command(String line) throws IOException {
            write(line + "\r\n");
            return last();
        }

        /** One line without CRLF, or null when the server closed the connection. */
        String line() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            for (int c = in.read(); c >= 0; c = in.read()) {
                if (c == '\n') {
                    String s = b.toString(StandardCharsets.ISO_8859_1);
                    return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
                }
                b.write(c);
            }
            return b.size() == 0 ? null : b.toString(StandardCharsets.ISO_8859_1);
        }

        /** Greeting, EHLO, MAIL and one RCPT, each expected to succeed. */
        Client transaction() throws IOException {
            expect(last(), "220 ");
            write("EHLO client.test\r\n");
            expect(last(), "250 ");
            expect(command("MAIL FROM:<a@test.invalid>"), "250");
            expect(command("RCPT TO:<b@test.invalid>"), "250");
            return this;
        }

        private static void expect(String line, String prefix) throws IOException {
            if (!line.startsWith(prefix)) throw new IOException("expected " + prefix + "..., got " + line);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
