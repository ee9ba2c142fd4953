// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.relay;

import java.util.List;

/**
 * A reply from the downstream MTA, kept as its lines so that it can be relayed to the client
 * unchanged (the downstream's own text and enhanced status codes reach the client).
 *
 * @param code  three-digit code of the last line
 * @param lines text after "NNN-" / "NNN " of each line
 */
public record Reply(int code, List<String> lines) {
    public Reply {
        lines = List.copyOf(lines);
    }

    public boolean isPositive() {
        return code >= 200 && code < 300;
    }

    public boolean isIntermediate() {
        return code >= 300 && code < 400;
    }

    /** The reply as it goes on the wire, each line ending in CRLF. */
    public String toWire() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            sb.append(code).append(i == lines.size() - 1 ? ' ' : '-').append(lines.get(i)).append("\r\n");
        }
        return sb.toString();
    }

    /** True if any line's first word is {@code keyword} (EHLO capability lookup). */
    public boolean hasKeyword(String keyword) {
        return lines.stream().anyMatch(l -> l.regionMatches(true, 0, keyword, 0, keyword.length())
                && (l.length() == keyword.length() || l.charAt(keyword.length()) == ' '));
    }

    @Override
    public String toString() {
        return toWire().strip().replace("\r\n", " | ");
    }
}
