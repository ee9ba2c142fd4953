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
 * one it lists STARTTLS but answers it with 250, a downstream on which TLS cannot work. Its EHLO
 * extensions can be replaced ({@link #FakeDownstream(javax.net.ssl.SSLContext, String...)}); with
 * an {@code AUTH} extension it checks PLAIN and LOGIN against {@link #USER} / {@link #PASSWORD}
 * like a real server (535 for anything else, 501 for "*").
 */
final class FakeDownstream implements AutoCloseable {
    static final String USER = "alice@test.invalid";
    static final String PASSWORD = "S3cret!pw";

    final List<String> lines = new CopyOnWriteArrayList<>();
    /** Connections accepted so far. */
    final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
    private final ServerSocket server;
    private final javax.net.ssl.SSLContext tls;
    private final List<String> extensions;

    FakeDownstream() throws IOException {
        this(null);
    }

    FakeDownstream(javax.net.ssl.SSLContext tls) throws IOException {
        this(tls, "8BITMIME", "STARTTLS");
    }

    FakeDownstream(javax.net.ssl.SSLContext tls, String... extensions) throws IOException {
        this.tls = tls;
        this.extensions = List.of(extensions);
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    connections.incrementAndGet();
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
                    case "EHLO" -> ehlo();
                    case "AUTH" -> auth(line, in, out);
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

    private String ehlo() {
        StringBuilder sb = new StringBuilder("250-fake\r\n");
        for (int i = 0; i < extensions.size(); i++) sb.append(i == extensions.size() - 1 ? "250 " : "250-").append(extensions.get(i)).append("\r\n");
        return extensions.isEmpty() ? "250 fake\r\n" : sb.toString();
    }

    /** PLAIN (with or without an initial response) and LOGIN, as Postfix answers them. */
    private String auth(String line, BufferedReader in, OutputStream out) throws IOException {
        String[] w = line.split(" ");
        String mech = w.length > 1 ? w[1].toUpperCase() : "";
        String first = w.length > 2 ? w[2] : null;
        switch (mech) {
            case "PLAIN" -> {
                if (first == null) first = challenge("", in, out);
                if (first == null) return "501 5.7.0 Authentication aborted\r\n";
                String[] p = decode(first).split("\0", -1);
                return p.length == 3 && p[1].equals(USER) && p[2].equals(PASSWORD) ? "235 2.7.0 Authentication successful\r\n" : failed();
            }
            case "LOGIN" -> {
                String user = first != null ? first : challenge("VXNlcm5hbWU6", in, out);
                if (user == null) return "501 5.7.0 Authentication aborted\r\n";
                String password = challenge("UGFzc3dvcmQ6", in, out);
                if (password == null) return "501 5.7.0 Authentication aborted\r\n";
                return decode(user).equals(USER) && decode(password).equals(PASSWORD) ? "235 2.7.0 Authentication successful\r\n" : failed();
            }
            case "SCRAM-SHA-1" -> { // challenges forever: what a broken (or hostile) downstream might do
                while (true) {
                    if (challenge("bW9yZQ==", in, out) == null) return "501 5.7.0 Authentication aborted\r\n";
                }
            }
            default -> {
                return "535 5.7.8 Error: authentication failed: Invalid authentication mechanism\r\n";
            }
        }
    }

    private static String failed() {
        return "535 5.7.8 Error: authentication failed: authentication failure\r\n";
    }

    /** Sends a 334 and returns the client's answer, or null for "*". */
    private String challenge(String text, BufferedReader in, OutputStream out) throws IOException {
        out.write(("334 " + text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String answer = in.readLine();
        lines.add(answer);
        return answer == null || answer.equals("*") ? null : answer;
    }

    private static String decode(String base64) {
        try {
            return new String(java.util.Base64.getDecoder().decode(base64), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
