// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.util.List;

/**
 * One SMTP reply as the server sent it.
 *
 * @param code  the three-digit reply code (of the last line)
 * @param lines every reply line verbatim without CRLF, e.g. {@code ["550-5.7.1 first line", "550 5.7.1 last line"]}
 */
public record SmtpResponse(int code, List<String> lines) {

    public SmtpResponse {
        lines = List.copyOf(lines);
    }

    /** 2xx. */
    public boolean isPositive() {
        return code >= 200 && code < 300;
    }

    /** 3xx, e.g. 354 after DATA. */
    public boolean isIntermediate() {
        return code >= 300 && code < 400;
    }

    /** 4xx. */
    public boolean isTransientFailure() {
        return code >= 400 && code < 500;
    }

    /** 5xx. */
    public boolean isPermanentFailure() {
        return code >= 500;
    }

    /** The last line verbatim. */
    public String lastLine() {
        return lines.getLast();
    }

    /** The text of each line without the code and separator: {@code "5.7.1 first line"}. */
    public List<String> texts() {
        return lines.stream().map(l -> l.length() > 4 ? l.substring(4) : "").toList();
    }

    /** All lines joined with '\n', for messages and {@code contains} assertions. */
    @Override
    public String toString() {
        return String.join("\n", lines);
    }
}
