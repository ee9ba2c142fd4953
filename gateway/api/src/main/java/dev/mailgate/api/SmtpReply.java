// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An SMTP reply: code, enhanced status code (RFC 3463) and one or more text lines. Kept typed,
 * never as a pre-formatted string; front ends format it for their wire.
 *
 * @param code           three-digit reply code; 4xx or 5xx for a refusal
 * @param enhancedStatus {@code x.y.z} whose class matches the code, or empty
 * @param lines          text lines (at least one, no CR or LF, at most 980 characters each)
 */
public record SmtpReply(int code, String enhancedStatus, List<String> lines) {
    /** libmilter's limits for a multi-line reply. */
    public static final int MAX_LINES = 32;
    public static final int MAX_LINE_LENGTH = 980;

    private static final Pattern ENHANCED = Pattern.compile("([245])\\.(\\d{1,3})\\.(\\d{1,3})");
    private static final Pattern LEADING = Pattern.compile("^(?:([245]\\d\\d)[ -])?\\s*(?:([245]\\.\\d{1,3}\\.\\d{1,3})(?:\\s+|$))?(.*)$", Pattern.DOTALL);

    public SmtpReply {
        if (code < 200 || code > 599) throw new IllegalArgumentException("reply code " + code + " is not 2xx-5xx");
        enhancedStatus = enhancedStatus == null ? "" : enhancedStatus;
        if (!enhancedStatus.isEmpty()) {
            Matcher m = ENHANCED.matcher(enhancedStatus);
            if (!m.matches()) throw new IllegalArgumentException("enhanced status '" + enhancedStatus + "' is not x.y.z");
            if (m.group(1).charAt(0) != Integer.toString(code).charAt(0)) {
                throw new IllegalArgumentException("enhanced status " + enhancedStatus + " does not match reply code " + code);
            }
        }
        Objects.requireNonNull(lines, "lines");
        if (lines.isEmpty()) lines = List.of("");
        if (lines.size() > MAX_LINES) throw new IllegalArgumentException("reply has " + lines.size() + " lines, at most " + MAX_LINES + " allowed");
        for (String l : lines) {
            if (l.indexOf('\r') >= 0 || l.indexOf('\n') >= 0 || l.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("reply line contains CR, LF or NUL: " + l);
            }
            if (l.length() > MAX_LINE_LENGTH) throw new IllegalArgumentException("reply line longer than " + MAX_LINE_LENGTH);
        }
        lines = List.copyOf(lines);
    }

    public boolean isTemporary() {
        return code / 100 == 4;
    }

    public boolean isPermanent() {
        return code / 100 == 5;
    }

    /**
     * Parses an explanation as a policy writes it: {@code "5.7.1 listed"}, {@code "550 5.7.1 go away"}
     * or plain text; lines separated by {@code \n}. A missing code becomes {@code defaultCode}; a
     * missing enhanced code becomes {@code x.0.0} with the code's class, as libmilter does.
     */
    public static SmtpReply parse(String explanation, int defaultCode) {
        String text = explanation == null ? "" : explanation.strip();
        Matcher m = LEADING.matcher(text);
        int code = defaultCode;
        String enhanced = "";
        if (m.matches()) {
            if (m.group(1) != null) code = Integer.parseInt(m.group(1));
            if (m.group(2) != null) enhanced = m.group(2);
            text = m.group(3);
        }
        if (!enhanced.isEmpty() && enhanced.charAt(0) != Integer.toString(code).charAt(0)) {
            // "5.7.1 text" with a 4xx action: keep the detail, fix the class
            enhanced = Integer.toString(code).charAt(0) + enhanced.substring(1);
        }
        if (enhanced.isEmpty()) enhanced = (code / 100) + ".0.0";
        List<String> lines = new ArrayList<>();
        for (String l : text.split("\r?\n", -1)) lines.add(l.strip());
        return new SmtpReply(code, enhanced, lines);
    }

    /** The reply as SMTP puts it on the wire, lines joined with CRLF, without a final CRLF. */
    public String toWireText() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) sb.append("\r\n");
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-');
            if (!enhancedStatus.isEmpty()) sb.append(enhancedStatus).append(' ');
            sb.append(lines.get(i));
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return toWireText().replace("\r\n", " | ");
    }
}
