// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.spamd;

import dev.mailgate.filters.external.MessageStream;
import dev.mailgate.filters.external.ScannerAddress;
import dev.mailgate.filters.external.ScannerConnection;
import dev.mailgate.filters.external.ScannerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A spamd client speaking the spamc protocol 1.5 (SpamAssassin's spamd(1), PROTOCOL): one request
 * per connection ({@code CHECK}, {@code SYMBOLS} or {@code REPORT} with {@code Content-length}
 * and an optional {@code User}), the message, then the answer: {@code SPAMD/1.1 0 EX_OK}, a
 * {@code Spam: True ; 1001.0 / 5.0} header and, for SYMBOLS and REPORT, a body. spamd closes the
 * connection after each answer, so there is nothing to reuse.
 */
public final class SpamdClient {
    static final int MAX_ANSWER = 256 * 1024;
    private static final Pattern STATUS = Pattern.compile("SPAMD/(\\d+\\.\\d+) (\\d+) (.*)");
    private static final Pattern SPAM = Pattern.compile("(True|False|Yes|No) ; (-?[\\d.]+) / (-?[\\d.]+)", Pattern.CASE_INSENSITIVE);

    /** The request verb. */
    public enum Command { CHECK, SYMBOLS, REPORT }

    /**
     * spamd's verdict.
     *
     * @param symbols rule names (SYMBOLS), else empty
     * @param report  the report text (REPORT), else empty
     */
    public record Result(boolean spam, double score, double threshold, List<String> symbols, String report) {}

    private final ScannerAddress address;
    private final Duration connectTimeout;
    private final Duration ioTimeout;
    private final Command command;
    private final String user;

    public SpamdClient(ScannerAddress address, Duration connectTimeout, Duration ioTimeout, Command command, String user) {
        this.address = address;
        this.connectTimeout = connectTimeout;
        this.ioTimeout = ioTimeout;
        this.command = command;
        this.user = user;
    }

    /** Asks spamd about a message of {@code length} bytes. */
    public Result check(InputStream message, long length) throws IOException {
        try (ScannerConnection c = ScannerConnection.open(address, connectTimeout, "spamd")) {
            return c.during(ioTimeout, "spamd", conn -> {
                OutputStream out = conn.out();
                StringBuilder head = new StringBuilder(command.name()).append(" SPAMC/1.5\r\n")
                        .append("Content-length: ").append(length).append("\r\n");
                if (user != null && !user.isEmpty()) head.append("User: ").append(user).append("\r\n");
                out.write(head.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
                long sent = MessageStream.copy(message, out);
                if (sent != length) throw new ScannerException("message changed while sent to spamd (" + sent + " of " + length + " bytes)");
                conn.shutdownOutput();
                return parse(readAll(conn.in()), command);
            });
        }
    }

    private static String readAll(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(512);
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            if (b.size() + n > MAX_ANSWER) throw new ScannerException("spamd answer longer than " + MAX_ANSWER + " bytes");
            b.write(buf, 0, n);
        }
        return b.toString(StandardCharsets.UTF_8);
    }

    /** Parses a complete answer. */
    static Result parse(String answer, Command command) throws ScannerException {
        int headEnd = answer.indexOf("\r\n\r\n");
        String head = headEnd < 0 ? answer : answer.substring(0, headEnd);
        String body = headEnd < 0 ? "" : answer.substring(headEnd + 4);
        String[] lines = head.split("\r\n");
        Matcher st = STATUS.matcher(lines[0].strip());
        if (!st.matches()) throw new ScannerException("spamd gave an unexpected answer: " + abbreviate(lines[0]));
        if (!st.group(2).equals("0")) throw new ScannerException("spamd refused the check: " + st.group(2) + " " + st.group(3));
        Result r = null;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon < 0 || !lines[i].substring(0, colon).strip().toLowerCase(Locale.ROOT).equals("spam")) continue;
            Matcher m = SPAM.matcher(lines[i].substring(colon + 1).strip());
            if (!m.matches()) throw new ScannerException("spamd gave an unreadable Spam header: " + abbreviate(lines[i]));
            boolean spam = m.group(1).equalsIgnoreCase("true") || m.group(1).equalsIgnoreCase("yes");
            r = new Result(spam, Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)), List.of(), "");
        }
        if (r == null) throw new ScannerException("spamd answered without a Spam header: " + abbreviate(head));
        String text = body.strip();
        if (text.isEmpty() || command == Command.CHECK) return r;
        if (command == Command.SYMBOLS) {
            List<String> symbols = new ArrayList<>();
            for (String s : text.split(",")) if (!s.isBlank()) symbols.add(s.strip());
            return new Result(r.spam(), r.score(), r.threshold(), List.copyOf(symbols), "");
        }
        return new Result(r.spam(), r.score(), r.threshold(), List.of(), text);
    }

    private static String abbreviate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    @Override
    public String toString() {
        return "spamd at " + address;
    }
}
