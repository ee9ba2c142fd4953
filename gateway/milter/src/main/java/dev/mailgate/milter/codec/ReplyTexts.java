// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds and validates {@code SMFIR_REPLYCODE} texts (reference section 5.1). The rules are the
 * strictest any supported MTA applies (Postfix 3.12 checks every line), so a text that passes is
 * accepted by every Postfix and Sendmail version.
 */
final class ReplyTexts {
    /** libmilter's {@code smfi_setmlreply} limit on text lines. */
    static final int MAX_LINES = 32;
    /** libmilter's limit on the text of one line (without code and enhanced code). */
    static final int MAX_LINE_TEXT = 980;

    private static final Pattern LINE = Pattern.compile("([45][0-9][0-9])(?:([ -])(.*))?", Pattern.DOTALL);
    /** Something that looks like an RFC 3463 enhanced status code at the start of the text. */
    private static final Pattern ENHANCED_PREFIX = Pattern.compile("([0-9])\\.[0-9]{1,3}\\.[0-9]{1,3}(?: .*)?", Pattern.DOTALL);
    private static final Pattern ENHANCED = Pattern.compile("[245]\\.[0-9]{1,3}\\.[0-9]{1,3}");

    private ReplyTexts() {
    }

    /** Throws {@link IllegalArgumentException} naming the first rule {@code text} breaks. */
    static void validate(String text) {
        Objects.requireNonNull(text, "reply text");
        if (text.isEmpty()) {
            throw new IllegalArgumentException("reply text is empty");
        }
        if (text.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("reply text contains NUL");
        }
        if (text.endsWith("\r\n") || text.endsWith("\n") || text.endsWith("\r")) {
            throw new IllegalArgumentException("reply text must not end with CRLF");
        }
        String[] lines = text.split("\r\n", -1);
        if (lines.length > MAX_LINES) {
            throw new IllegalArgumentException("reply has " + lines.length + " lines, at most " + MAX_LINES + " allowed");
        }
        String code = null;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            boolean last = i == lines.length - 1;
            String where = "reply line " + (i + 1) + " \"" + line + "\"";
            if (line.indexOf('\r') >= 0 || line.indexOf('\n') >= 0) {
                throw new IllegalArgumentException(where + " contains a bare CR or LF (lines are separated by CRLF)");
            }
            Matcher m = LINE.matcher(line);
            if (!m.matches()) {
                throw new IllegalArgumentException(where + " does not start with a 4xx or 5xx code followed by ' ' or '-'");
            }
            if (code == null) {
                code = m.group(1);
            } else if (!code.equals(m.group(1))) {
                throw new IllegalArgumentException(where + " has code " + m.group(1) + " but the first line has " + code);
            }
            String sep = m.group(2);
            if (!last && !"-".equals(sep)) {
                throw new IllegalArgumentException(where + " must continue with '" + code + "-'");
            }
            if (last && "-".equals(sep)) {
                throw new IllegalArgumentException(where + " is the last line and must use '" + code + " ', not '-'");
            }
            if (m.group(3) != null) {
                Matcher e = ENHANCED_PREFIX.matcher(m.group(3));
                if (e.matches() && e.group(1).charAt(0) != code.charAt(0)) {
                    throw new IllegalArgumentException(where + ": enhanced status class " + e.group(1)
                            + " does not match reply code " + code);
                }
            }
        }
    }

    /** The libmilter {@code smfi_setmlreply} text: one line per entry, every '%' doubled. */
    static String build(int code, String enhanced, List<String> lines) {
        if (code < 400 || code > 599) {
            throw new IllegalArgumentException("reply code " + code + " is not 4xx or 5xx");
        }
        String enh = enhanced == null ? "" : enhanced;
        if (!enh.isEmpty()) {
            if (!ENHANCED.matcher(enh).matches()) {
                throw new IllegalArgumentException("enhanced status '" + enh + "' is not x.y.z with class 2, 4 or 5");
            }
            if (enh.charAt(0) != Integer.toString(code).charAt(0)) {
                throw new IllegalArgumentException("enhanced status " + enh + " does not match reply code " + code);
            }
        }
        Objects.requireNonNull(lines, "lines");
        if (lines.isEmpty() || lines.size() > MAX_LINES) {
            throw new IllegalArgumentException("a reply needs 1 to " + MAX_LINES + " lines, got " + lines.size());
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String t = Objects.requireNonNull(lines.get(i), "line");
            if (t.indexOf('\r') >= 0 || t.indexOf('\n') >= 0 || t.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("reply line " + (i + 1) + " contains CR, LF or NUL");
            }
            if (t.length() > MAX_LINE_TEXT) {
                throw new IllegalArgumentException("reply line " + (i + 1) + " is longer than " + MAX_LINE_TEXT + " characters");
            }
            if (i > 0) {
                sb.append("\r\n");
            }
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!enh.isEmpty()) {
                sb.append(enh);
                if (!t.isEmpty()) {
                    sb.append(' ');
                }
            }
            // Sendmail uses the text as a printf format and Postfix turns %% into %: double them
            sb.append(t.replace("%", "%%"));
        }
        return sb.toString();
    }
}
