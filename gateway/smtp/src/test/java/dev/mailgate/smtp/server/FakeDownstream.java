// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal downstream MTA for loopback tests: says yes to everything and records each line.
 * With a TLS context it really does STARTTLS (and records {@code [TLS]} once encrypted); without
 * one it lists STARTTLS but answers it with 250, a downstream on which TLS cannot work.
 */
final class FakeDownstream implements AutoCloseable {
    final List<String> lines = new CopyOnWriteArrayList<>();
    private final ServerSocket server;
    private final javax.net.ssl.SSLContext tls;

    FakeDownstream() throws IOException {
        this(null);
    }

    FakeDownstream(javax.net.ssl.SSLContext tls) throws IOException {
        this.tls = tls;
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> serve(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve(Socket plain) {
        Socket s = plain;
        try {
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
            OutputStream out = s.getOutputStream();
            out.write("220 fake ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                if (line.equalsIgnoreCase("STARTTLS") && tls != null) {
                    lines.add(line);
                    out.write("220 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    var secure = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
                    secure.setUseClientMode(false);
                    secure.startHandshake();
                    lines.add("[TLS]");
                    s = secure;
                    in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
                    out = s.getOutputStream();
                    continue;
                }
                lines.add(line);
                String verb = line.split(" ", 2)[0].toUpperCase();
                String reply = switch (verb) {
                    case "XCLIENT" -> "220 fake ESMTP\r\n";
                    case "EHLO" -> "250-fake\r\n250-8BITMIME\r\n250 STARTTLS\r\n";
                    case "QUIT" -> "221 bye\r\n";
                    default -> "250 ok\r\n";
                };
                out.write(reply.getBytes(StandardCharsets.US_ASCII));
                if (verb.equals("QUIT")) return;
            }
        } catch (IOException ignored) {
            // the proxy went away: nothing to answer
        } finally {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
