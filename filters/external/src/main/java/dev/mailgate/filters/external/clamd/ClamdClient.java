// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.clamd;

import dev.mailgate.filters.external.ConnectionPool;
import dev.mailgate.filters.external.MessageStream;
import dev.mailgate.filters.external.ScannerAddress;
import dev.mailgate.filters.external.ScannerConnection;
import dev.mailgate.filters.external.ScannerException;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A clamd client speaking {@code zINSTREAM} (clamd(8)): the message goes out in chunks of at
 * most 64 KiB, each prefixed by its length as a 4-byte big-endian number, ended by a zero
 * length; clamd answers {@code stream: OK}, {@code stream: <virus> FOUND} or {@code <text> ERROR},
 * NUL-terminated.
 *
 * <p>With connection reuse, connections are opened in {@code zIDSESSION} mode so several scans
 * share one connection (answers then carry a request number, {@code 1: stream: OK}); a reused
 * connection the daemon dropped in the meantime is detected before anything was read and the scan
 * is retried once on a new connection. {@code zEND} closes a session.
 */
public final class ClamdClient implements AutoCloseable {
    static final int MAX_REPLY = 4096;
    private static final Pattern REPLY = Pattern.compile("(?:\\d+: )?(.*)", Pattern.DOTALL);

    private final ScannerAddress address;
    private final Duration connectTimeout;
    private final Duration ioTimeout;
    private final ConnectionPool pool;

    /** The answer to one scan: clean, or infected with the signature name. */
    public record Result(boolean infected, String virus) {}

    /** Where the message comes from; opened again if a scan is retried. */
    @FunctionalInterface
    public interface Source {
        InputStream open() throws IOException;
    }

    /**
     * @param maxIdle connections kept in IDSESSION mode between scans (0: one connection per scan)
     */
    public ClamdClient(ScannerAddress address, Duration connectTimeout, Duration ioTimeout, int maxIdle) {
        this.address = address;
        this.connectTimeout = connectTimeout;
        this.ioTimeout = ioTimeout;
        // clamd drops idle session clients after IdleTimeout (30 s by default): stay below it
        this.pool = new ConnectionPool(maxIdle, Duration.ofSeconds(20), ClamdClient::endSession);
    }

    /** Scans a message. */
    public Result scan(Source message) throws IOException {
        ScannerConnection reused = pool.take();
        if (reused != null) {
            Attempt a = new Attempt();
            try {
                return exchange(reused, message, a);
            } catch (IOException e) {
                // a timeout is no stale connection: retrying would only double the wait
                if (a.replyStarted || e instanceof java.net.SocketTimeoutException || Thread.currentThread().isInterrupted()) throw e;
                // the daemon closed the idle session: one more try on a fresh connection
            }
        }
        ScannerConnection fresh = ScannerConnection.open(address, connectTimeout, "clamd");
        if (pool.reuses()) {
            fresh.during(ioTimeout, "clamd", c -> {
                c.out().write("zIDSESSION\0".getBytes(StandardCharsets.US_ASCII));
                return null;
            });
        }
        return exchange(fresh, message, new Attempt());
    }

    private static final class Attempt {
        boolean replyStarted;
    }

    private Result exchange(ScannerConnection c, Source message, Attempt attempt) throws IOException {
        Result r = c.during(ioTimeout, "clamd", conn -> {
            OutputStream out = conn.out();
            IOException sendFailure = null;
            try (InputStream in = message.open()) {
                out.write("zINSTREAM\0".getBytes(StandardCharsets.US_ASCII));
                byte[] buf = new byte[MessageStream.CHUNK];
                for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
                    writeLength(out, n);
                    out.write(buf, 0, n);
                }
                writeLength(out, 0);
                out.flush();
            } catch (IOException e) {
                // clamd stops reading when StreamMaxLength is exceeded; its reply says so
                sendFailure = e;
            }
            String reply;
            try {
                reply = readReply(conn.in(), attempt);
            } catch (IOException e) {
                if (sendFailure != null) throw sendFailure;
                throw e;
            }
            return parse(reply);
        });
        if (pool.reuses()) pool.give(c);
        else c.close();
        return r;
    }

    private static void writeLength(OutputStream out, int n) throws IOException {
        out.write(new byte[] {(byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n});
    }

    private static String readReply(InputStream in, Attempt attempt) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        while (true) {
            int x = in.read();
            if (x < 0) throw new EOFException(b.size() == 0 ? "connection closed without an answer" : "answer cut short");
            attempt.replyStarted = true;
            if (x == 0) break;
            if (b.size() >= MAX_REPLY) throw new ScannerException("clamd answer longer than " + MAX_REPLY + " bytes");
            b.write(x);
        }
        return b.toString(StandardCharsets.UTF_8).strip();
    }

    /** Reads clamd's answer: {@code [n: ]stream: OK | stream: NAME FOUND | ... ERROR}. */
    static Result parse(String reply) throws ScannerException {
        Matcher m = REPLY.matcher(reply);
        String r = m.matches() ? m.group(1) : reply;
        if (r.endsWith(" ERROR") || r.equals("ERROR")) throw new ScannerException("clamd refused the scan: " + r);
        if (!r.startsWith("stream: ")) throw new ScannerException("clamd gave an unexpected answer: " + r);
        String s = r.substring("stream: ".length());
        if (s.equals("OK")) return new Result(false, "");
        if (s.endsWith(" FOUND")) return new Result(true, s.substring(0, s.length() - " FOUND".length()).strip());
        throw new ScannerException("clamd gave an unexpected answer: " + r);
    }

    private static void endSession(ScannerConnection c) {
        try {
            c.during(Duration.ofSeconds(1), "clamd", conn -> {
                conn.out().write("zEND\0".getBytes(StandardCharsets.US_ASCII));
                conn.out().flush();
                return null;
            });
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        pool.close();
    }

    @Override
    public String toString() {
        return "clamd at " + address;
    }
}
