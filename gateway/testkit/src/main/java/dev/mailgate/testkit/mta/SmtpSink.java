// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An SMTP server on 127.0.0.1 that accepts every message and keeps it in memory, used as the
 * relay target of the MTA under test so tests can assert the delivered copy (envelope and exact
 * bytes, including milter edits).
 *
 * <p>Speaks plain ESMTP without PIPELINING (EHLO advertises 8BITMIME, SMTPUTF8 and SIZE so that
 * Postfix sends 8-bit content unchanged); any number of recipients and several transactions per
 * connection (Postfix's connection cache reuses sessions after RSET). One virtual thread per
 * connection.
 */
public final class SmtpSink implements AutoCloseable {

    private static final int MAX_LINE = 1 << 20;
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(120);

    private final ServerSocket server;
    private final List<ReceivedMessage> received = new ArrayList<>();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicInteger queueIds = new AtomicInteger();
    private volatile boolean closed;

    private SmtpSink(ServerSocket server) {
        this.server = server;
        Thread.ofVirtual().name("smtp-sink-accept-" + server.getLocalPort()).start(this::acceptLoop);
    }

    /** Starts a sink on a free 127.0.0.1 port. */
    public static SmtpSink start() {
        return start(0);
    }

    /** Starts a sink on 127.0.0.1:{@code port} (0 = any free port). */
    public static SmtpSink start(int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(LocalPorts.LOOPBACK, port), 50);
            return new SmtpSink(s);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind smtp sink on 127.0.0.1:" + port, e);
        }
    }

    /** The port the sink listens on. */
    public int port() {
        return server.getLocalPort();
    }

    /** Snapshot of all messages received so far, in arrival order. */
    public List<ReceivedMessage> messages() {
        synchronized (received) {
            return List.copyOf(received);
        }
    }

    /**
     * Waits until at least {@code n} messages have arrived and returns all received so far.
     *
     * @throws AssertionError when fewer than {@code n} arrived within {@code timeout}
     */
    public List<ReceivedMessage> awaitMessages(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (received) {
            while (received.size() < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new AssertionError("expected " + n + " message(s) at the sink within " + timeout
                            + ", got " + received.size() + ": " + received);
                }
                try {
                    received.wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            return List.copyOf(received);
        }
    }

    /** Forgets all received messages. */
    public void clear() {
        synchronized (received) {
            received.clear();
        }
    }

    /** Stops listening and drops open connections. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread.ofVirtual().name("smtp-sink-conn").start(() -> serve(s));
            } catch (IOException e) {
                if (!closed) {
                    Processes.sleep(10); // transient accept failure; keep serving
                }
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout((int) IDLE_TIMEOUT.toMillis());
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String client = s.getInetAddress().getHostAddress();
            String helo = "";
            String sender = null;
            List<String> params = new ArrayList<>();
            List<String> rcpts = new ArrayList<>();
            reply(out, "220 sink.test.invalid ESMTP mailgate test sink");
            byte[] lineBytes;
            while ((lineBytes = readLine(in)) != null) {
                String line = new String(lineBytes, StandardCharsets.UTF_8).stripTrailing();
                String verb = line.split(" ", 2)[0].toUpperCase(Locale.ROOT);
                switch (verb) {
                    case "EHLO" -> {
                        helo = arg(line, 5);
                        reply(out, "250-sink.test.invalid\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
                                + "250-ENHANCEDSTATUSCODES\r\n250 SIZE 104857600");
                    }
                    case "HELO" -> {
                        helo = arg(line, 5);
                        reply(out, "250 sink.test.invalid");
                    }
                    case "MAIL" -> {
                        String[] p = pathAndParams(line);
                        if (p == null) {
                            reply(out, "501 5.5.4 Syntax: MAIL FROM:<address>");
                            continue;
                        }
                        sender = p[0];
                        params = new ArrayList<>(List.of(p).subList(1, p.length));
                        rcpts = new ArrayList<>();
                        reply(out, "250 2.1.0 Ok");
                    }
                    case "RCPT" -> {
                        String[] p = pathAndParams(line);
                        if (sender == null || p == null) {
                            reply(out, sender == null ? "503 5.5.1 Need MAIL first" : "501 5.5.4 Syntax: RCPT TO:<address>");
                            continue;
                        }
                        rcpts.add(p[0]);
                        reply(out, "250 2.1.5 Ok");
                    }
                    case "DATA" -> {
                        if (sender == null || rcpts.isEmpty()) {
                            reply(out, "503 5.5.1 Need RCPT first");
                            continue;
                        }
                        reply(out, "354 End data with <CR><LF>.<CR><LF>");
                        byte[] data = readData(in);
                        if (data == null) {
                            return; // connection lost mid-DATA: nothing was accepted
                        }
                        int id = queueIds.incrementAndGet();
                        synchronized (received) {
                            received.add(new ReceivedMessage(client, helo, sender, params, rcpts, data));
                            received.notifyAll();
                        }
                        reply(out, "250 2.0.0 Ok: queued as SINK" + id);
                        sender = null;
                    }
                    case "RSET" -> {
                        sender = null;
                        rcpts = new ArrayList<>();
                        reply(out, "250 2.0.0 Ok");
                    }
                    case "NOOP" -> reply(out, "250 2.0.0 Ok");
                    case "VRFY" -> reply(out, "252 2.0.0 Send some mail, I'll try my best");
                    case "QUIT" -> {
                        reply(out, "221 2.0.0 Bye");
                        return;
                    }
                    default -> reply(out, "502 5.5.2 Command not implemented");
                }
            }
        } catch (IOException e) {
            // client went away or idle timeout: nothing to record
        } finally {
            open.remove(s);
        }
    }

    private static String arg(String line, int from) {
        return line.length() > from ? line.substring(from).strip() : "";
    }

    /** For "MAIL FROM:&lt;a@b&gt; X=Y": {"a@b", "X=Y"}; null when the path is malformed. */
    private static String[] pathAndParams(String line) {
        int colon = line.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String rest = line.substring(colon + 1).strip();
        String path;
        String tail;
        if (rest.startsWith("<")) {
            int close = rest.indexOf('>');
            if (close < 0) {
                return null;
            }
            path = rest.substring(1, close);
            tail = rest.substring(close + 1).strip();
        } else {
            String[] parts = rest.split("\\s+", 2);
            path = parts[0];
            tail = parts.length > 1 ? parts[1] : "";
        }
        List<String> out = new ArrayList<>();
        out.add(path);
        if (!tail.isEmpty()) {
            out.addAll(List.of(tail.split("\\s+")));
        }
        return out.toArray(String[]::new);
    }

    private static void reply(OutputStream out, String text) throws IOException {
        out.write((text + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    /** Reads one line including its terminator; null at EOF before any byte. */
    private static byte[] readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(128);
        int c;
        while ((c = in.read()) != -1) {
            b.write(c);
            if (c == '\n') {
                break;
            }
            if (b.size() > MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " bytes");
            }
        }
        return c == -1 && b.size() == 0 ? null : b.toByteArray();
    }

    /** Message bytes up to the "." line, dot-stuffing undone; null on EOF before the end. */
    private static byte[] readData(InputStream in) throws IOException {
        ByteArrayOutputStream msg = new ByteArrayOutputStream(4096);
        byte[] line;
        while ((line = readLine(in)) != null) {
            boolean crlfDot = line.length == 3 && line[0] == '.' && line[1] == '\r' && line[2] == '\n';
            boolean lfDot = line.length == 2 && line[0] == '.' && line[1] == '\n';
            if (crlfDot || lfDot) {
                return msg.toByteArray();
            }
            int skip = line.length > 0 && line[0] == '.' ? 1 : 0;
            msg.write(line, skip, line.length - skip);
        }
        return null;
    }
}
