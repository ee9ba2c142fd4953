// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A small blocking SMTP client for tests that keeps every reply line the server sent, so tests can
 * assert exact multi-line replies, per-recipient rejects and where in the dialogue a failure came.
 *
 * <pre>{@code
 * try (SmtpClient c = new SmtpClient()) {
 *     c.connect("127.0.0.1", pf.smtpPort());
 *     c.ehlo("client.test.invalid");
 *     SmtpTransaction t = c.send("a@test.invalid", List.of("b@example.invalid"), "Subject: hi\n\nbody\n");
 *     c.quit();
 * }
 * }</pre>
 *
 * <p>No pipelining, no TLS, no AUTH. Every read has a timeout; a timeout or a closed connection
 * throws {@link UncheckedIOException} whose message includes the transcript so far.
 */
public final class SmtpClient implements AutoCloseable {

    private final Duration timeout;
    private final List<SmtpResponse> responses = Collections.synchronizedList(new ArrayList<>());
    private final List<String> transcript = Collections.synchronizedList(new ArrayList<>());
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** A client with a 30 s connect and read timeout. */
    public SmtpClient() {
        this(Duration.ofSeconds(30));
    }

    /** A client whose connect and every read give up after {@code timeout}. */
    public SmtpClient(Duration timeout) {
        this.timeout = timeout;
    }

    /** Connects and returns the greeting. */
    public SmtpResponse connect(String host, int port) {
        try {
            socket = new Socket();
            socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            socket.setTcpNoDelay(true);
            in = new BufferedInputStream(socket.getInputStream());
            out = socket.getOutputStream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot connect to " + host + ":" + port, e);
        }
        transcript.add("*: connected to " + host + ":" + port);
        return readResponse();
    }

    /** EHLO. */
    public SmtpResponse ehlo(String name) {
        return command("EHLO " + name);
    }

    /** HELO. */
    public SmtpResponse helo(String name) {
        return command("HELO " + name);
    }

    /** MAIL FROM:&lt;from&gt; with optional ESMTP parameters; {@code from} may already be bracketed. */
    public SmtpResponse mail(String from, String... params) {
        return command("MAIL FROM:" + bracket(from) + join(params));
    }

    /** RCPT TO:&lt;to&gt; with optional ESMTP parameters. */
    public SmtpResponse rcpt(String to, String... params) {
        return command("RCPT TO:" + bracket(to) + join(params));
    }

    /**
     * DATA with a text message; line ends are normalised to CRLF first (so Java text blocks work).
     * Returns the reply after the final dot, or the DATA reply itself when it was not 354.
     */
    public SmtpResponse data(String message) {
        String crlf = message.replace("\r\n", "\n").replace("\n", "\r\n");
        return data(crlf.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * DATA with exact bytes: only dot-stuffing is applied, plus a CRLF before the terminating dot
     * when the message does not end with one. Bare LFs and 8-bit bytes are sent unchanged.
     */
    public SmtpResponse data(byte[] message) {
        SmtpResponse go = command("DATA");
        if (go.code() != 354) {
            return go;
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream(message.length + 64);
        boolean lineStart = true;
        for (byte x : message) {
            if (lineStart && x == '.') {
                b.write('.'); // dot-stuffing (RFC 5321 4.5.2)
            }
            b.write(x);
            lineStart = x == '\n';
        }
        int n = message.length;
        if (n < 2 || message[n - 2] != '\r' || message[n - 1] != '\n') {
            b.writeBytes(new byte[] {'\r', '\n'});
        }
        b.writeBytes(new byte[] {'.', '\r', '\n'});
        write(b.toByteArray(), "C: <" + message.length + " message bytes>\nC: .");
        return readResponse();
    }

    /** RSET. */
    public SmtpResponse rset() {
        return command("RSET");
    }

    /** NOOP. */
    public SmtpResponse noop() {
        return command("NOOP");
    }

    /** QUIT. */
    public SmtpResponse quit() {
        return command("QUIT");
    }

    /** Sends any command line (without CRLF) and reads the reply. */
    public SmtpResponse command(String line) {
        write((line + "\r\n").getBytes(StandardCharsets.UTF_8), "C: " + line);
        return readResponse();
    }

    /**
     * MAIL, every RCPT, then DATA if MAIL and at least one RCPT were accepted. Stops like a real
     * client would: no RCPT after a failed MAIL, no DATA when every RCPT failed (then RSET is sent).
     */
    public SmtpTransaction send(String from, List<String> recipients, String message) {
        return send(from, recipients, message.replace("\r\n", "\n").replace("\n", "\r\n").getBytes(StandardCharsets.UTF_8));
    }

    /** {@link #send(String, List, String)} with exact message bytes. */
    public SmtpTransaction send(String from, List<String> recipients, byte[] message) {
        SmtpResponse mail = mail(from);
        if (!mail.isPositive()) {
            return new SmtpTransaction(mail, List.of(), null);
        }
        List<SmtpResponse> rcpts = new ArrayList<>();
        for (String r : recipients) {
            rcpts.add(rcpt(r));
        }
        if (rcpts.stream().noneMatch(SmtpResponse::isPositive)) {
            rset();
            return new SmtpTransaction(mail, rcpts, null);
        }
        return new SmtpTransaction(mail, rcpts, data(message));
    }

    /** Every reply received so far, greeting and 354 included, in order. */
    public List<SmtpResponse> responses() {
        synchronized (responses) {
            return List.copyOf(responses);
        }
    }

    /** The dialogue so far: "C: ..." lines sent, "S: ..." lines received. */
    public List<String> transcript() {
        synchronized (transcript) {
            return List.copyOf(transcript);
        }
    }

    /** Closes the connection without QUIT. */
    @Override
    public void close() {
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing useful to do
            }
        }
    }

    private void write(byte[] bytes, String logLine) {
        requireConnected();
        transcript.add(logLine);
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw failure("write failed", e);
        }
    }

    private SmtpResponse readResponse() {
        requireConnected();
        List<String> lines = new ArrayList<>();
        try {
            while (true) {
                String line = readLine();
                if (line == null) {
                    throw failure("connection closed by server", null);
                }
                transcript.add("S: " + line);
                lines.add(line);
                if (line.length() < 3 || !line.substring(0, 3).chars().allMatch(Character::isDigit)) {
                    throw failure("malformed reply line '" + line + "'", null);
                }
                // "250-..." continues, "250 ..." or a bare "250" ends the reply
                if (line.length() == 3 || line.charAt(3) != '-') {
                    SmtpResponse r = new SmtpResponse(Integer.parseInt(line.substring(0, 3)), lines);
                    responses.add(r);
                    return r;
                }
            }
        } catch (SocketTimeoutException e) {
            throw failure("no complete reply within " + timeout, e);
        } catch (IOException e) {
            throw failure("read failed", e);
        }
    }

    private String readLine() throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1 && c != '\n') {
            b.write(c);
        }
        if (c == -1 && b.size() == 0) {
            return null;
        }
        String s = b.toString(StandardCharsets.UTF_8);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private void requireConnected() {
        if (socket == null) {
            throw new IllegalStateException("connect() first");
        }
    }

    private UncheckedIOException failure(String what, IOException cause) {
        String msg = what + "; transcript:\n" + String.join("\n", transcript());
        return new UncheckedIOException(msg, cause != null ? cause : new IOException(what));
    }

    private static String bracket(String address) {
        return address.startsWith("<") ? address : "<" + address + ">";
    }

    private static String join(String... params) {
        return params.length == 0 ? "" : " " + String.join(" ", params);
    }
}
