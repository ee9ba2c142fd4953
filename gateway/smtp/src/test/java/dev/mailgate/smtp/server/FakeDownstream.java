// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A minimal downstream MTA for loopback tests: says yes to everything and records each line.
 * With a TLS context it really does STARTTLS (and records {@code [TLS]} once encrypted); without
 * one it lists STARTTLS but answers it with 250, a downstream on which TLS cannot work. After
 * DATA it reads the message up to the final dot and records it in {@link #messages} as it came
 * on the wire (dot-stuffed, without the final dot line): whole when small, as size and SHA-256
 * always, so that a test of a large message does not hold it twice. Its EHLO extensions can be
 * replaced ({@link #FakeDownstream(javax.net.ssl.SSLContext, String...)}); with an {@code AUTH}
 * extension it checks PLAIN and LOGIN against {@link #USER} / {@link #PASSWORD} like a real
 * server (535 for anything else, 501 for "*").
 */
final class FakeDownstream implements AutoCloseable {
    static final String USER = "alice@test.invalid";
    static final String PASSWORD = "S3cret!pw";

    /** Messages up to this size are kept whole in {@link Received#wire()}. */
    static final int KEEP_WHOLE = 1 << 20;

    final List<String> lines = new CopyOnWriteArrayList<>();
    final List<Received> messages = new CopyOnWriteArrayList<>();
    /** Connections accepted so far. */
    final java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();

    /** One message as received after DATA; {@code wire} is null above {@link #KEEP_WHOLE} bytes. */
    record Received(long size, byte[] sha256, byte[] wire) {}

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
            var in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            out.write("220 fake ESMTP\r\n".getBytes(StandardCharsets.US_ASCII));
            for (String line = readLine(in); line != null; line = readLine(in)) {
                if (line.equalsIgnoreCase("STARTTLS") && tls != null) {
                    lines.add(line);
                    out.write("220 go ahead\r\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    var secure = (javax.net.ssl.SSLSocket) tls.getSocketFactory().createSocket(plain, null, plain.getPort(), true);
                    secure.setUseClientMode(false);
                    secure.startHandshake();
                    lines.add("[TLS]");
                    s = secure;
                    in = new BufferedInputStream(s.getInputStream());
                    out = s.getOutputStream();
                    continue;
                }
                lines.add(line);
                String verb = line.split(" ", 2)[0].toUpperCase();
                String reply = switch (verb) {
                    case "XCLIENT" -> "220 fake ESMTP\r\n";
                    case "EHLO" -> ehlo();
                    case "AUTH" -> auth(line, in, out);
                    case "DATA" -> "354 go ahead\r\n";
                    case "QUIT" -> "221 bye\r\n";
                    default -> "250 ok\r\n";
                };
                out.write(reply.getBytes(StandardCharsets.US_ASCII));
                if (verb.equals("DATA")) {
                    messages.add(readMessage(in));
                    out.write("250 ok: queued\r\n".getBytes(StandardCharsets.US_ASCII));
                }
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
    private String auth(String line, InputStream in, OutputStream out) throws IOException {
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
    private String challenge(String text, InputStream in, OutputStream out) throws IOException {
        out.write(("334 " + text + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String answer = readLine(in);
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

    /** A command line without its CRLF, or null at the end of the stream. */
    private static String readLine(InputStream in) throws IOException {
        byte[] raw = readRawLine(in);
        if (raw == null) return null;
        int n = raw.length;
        if (n > 0 && raw[n - 1] == '\n') n--;
        if (n > 0 && raw[n - 1] == '\r') n--;
        return new String(raw, 0, n, StandardCharsets.ISO_8859_1);
    }

    /** One line with its line end as sent (the line ends at LF), or null at the end of the stream. */
    private static byte[] readRawLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b = in.read(); b >= 0; b = in.read()) {
            line.write(b);
            if (b == '\n') return line.toByteArray();
        }
        return line.size() == 0 ? null : line.toByteArray();
    }

    /** The message after 354, up to the line that is exactly {@code .CRLF}. */
    private static Received readMessage(InputStream in) throws IOException {
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteArrayOutputStream whole = new ByteArrayOutputStream();
        long size = 0;
        for (byte[] line = readRawLine(in); line != null; line = readRawLine(in)) {
            if (line.length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n') {
                return new Received(size, sha.digest(), size <= KEEP_WHOLE ? whole.toByteArray() : null);
            }
            sha.update(line);
            size += line.length;
            if (size <= KEEP_WHOLE) whole.writeBytes(line);
        }
        throw new IOException("the connection ended inside DATA");
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
