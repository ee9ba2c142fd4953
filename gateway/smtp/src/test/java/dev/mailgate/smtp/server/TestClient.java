// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;

/** A line-oriented SMTP client for the proxy's loopback tests; it can switch to TLS on the same socket. */
final class TestClient implements AutoCloseable {
    private final Socket plain;
    private Socket socket;
    BufferedReader in;
    private OutputStream out;

    TestClient(int port) throws IOException {
        plain = new Socket(InetAddress.getLoopbackAddress(), port);
        plain.setSoTimeout(10_000);
        use(plain);
    }

    private void use(Socket s) throws IOException {
        socket = s;
        in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        out = s.getOutputStream();
    }

    void startTls(TestCertificate cert) throws Exception {
        SSLSocket tls = (SSLSocket) cert.clientContext().getSocketFactory().createSocket(plain, "localhost", plain.getPort(), true);
        tls.startHandshake();
        use(tls);
    }

    String tlsProtocol() {
        return ((SSLSocket) socket).getSession().getProtocol();
    }

    void write(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    /** One (possibly multi-line) reply, its last line returned. */
    String reply() throws IOException {
        List<String> lines = replyLines();
        return lines.get(lines.size() - 1);
    }

    List<String> replyLines() throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l = in.readLine(); ; l = in.readLine()) {
            if (l == null) throw new IOException("connection closed after " + lines);
            lines.add(l);
            if (l.length() < 4 || l.charAt(3) != '-') return lines;
        }
    }

    List<String> command(String line) throws IOException {
        write(line + "\r\n");
        return replyLines();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
