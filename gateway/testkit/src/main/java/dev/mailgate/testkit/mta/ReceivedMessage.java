// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One message as received by {@link SmtpSink}: the SMTP envelope and the exact message bytes
 * (CRLF line ends, dot-stuffing already removed, without the terminating {@code .} line).
 */
public final class ReceivedMessage {

    /** A header field; {@code value} is unfolded (CRLF before continuation whitespace removed) and has leading whitespace stripped. */
    public record Header(String name, String value) {
    }

    private final String clientAddress;
    private final String helo;
    private final String sender;
    private final List<String> mailParameters;
    private final List<String> recipients;
    private final byte[] raw;
    private final List<Header> headers;
    private final int bodyOffset;

    ReceivedMessage(String clientAddress, String helo, String sender, List<String> mailParameters,
                    List<String> recipients, byte[] raw) {
        this.clientAddress = clientAddress;
        this.helo = helo;
        this.sender = sender;
        this.mailParameters = List.copyOf(mailParameters);
        this.recipients = List.copyOf(recipients);
        this.raw = raw.clone();
        List<Header> parsed = new ArrayList<>();
        this.bodyOffset = parseHeaders(this.raw, parsed);
        this.headers = List.copyOf(parsed);
    }

    /** Address of the SMTP client that delivered the message (the MTA under test). */
    public String clientAddress() {
        return clientAddress;
    }

    /** Argument of the client's EHLO/HELO. */
    public String helo() {
        return helo;
    }

    /** Envelope sender without angle brackets ("" for the null sender). */
    public String sender() {
        return sender;
    }

    /** ESMTP parameters of MAIL FROM, e.g. {@code BODY=8BITMIME}, {@code SIZE=123}. */
    public List<String> mailParameters() {
        return mailParameters;
    }

    /** Envelope recipients without angle brackets, in RCPT order. */
    public List<String> recipients() {
        return recipients;
    }

    /** The message bytes exactly as transferred after DATA (un-dot-stuffed). */
    public byte[] raw() {
        return raw.clone();
    }

    /** The whole message as UTF-8 text. */
    public String text() {
        return new String(raw, StandardCharsets.UTF_8);
    }

    /** All header fields in order. */
    public List<Header> headers() {
        return headers;
    }

    /** Values of all fields named {@code name} (case-insensitive), top to bottom. */
    public List<String> headers(String name) {
        return headers.stream().filter(h -> h.name().equalsIgnoreCase(name)).map(Header::value).toList();
    }

    /** Value of the first field named {@code name} (case-insensitive), or null when absent. */
    public String header(String name) {
        List<String> values = headers(name);
        return values.isEmpty() ? null : values.getFirst();
    }

    /** Field names in order, e.g. to assert where an inserted header landed. */
    public List<String> headerNames() {
        return headers.stream().map(Header::name).toList();
    }

    /** The body (after the empty line that ends the header), as UTF-8 text with CRLF line ends. */
    public String body() {
        return new String(Arrays.copyOfRange(raw, bodyOffset, raw.length), StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
        return "ReceivedMessage{from=<" + sender + ">, to=" + recipients + ", " + raw.length + " bytes}";
    }

    /** Parses the header block into {@code out}; returns the offset of the body. */
    private static int parseHeaders(byte[] raw, List<Header> out) {
        String name = null;
        StringBuilder value = null;
        int pos = 0;
        while (pos < raw.length) {
            int end = pos;
            while (end < raw.length && raw[end] != '\n') {
                end++;
            }
            int next = Math.min(end + 1, raw.length);
            int lineEnd = end > pos && raw[end - 1] == '\r' ? end - 1 : end;
            String line = new String(raw, pos, lineEnd - pos, StandardCharsets.UTF_8);
            if (line.isEmpty()) {
                pos = next;
                break; // end of header
            }
            if ((line.charAt(0) == ' ' || line.charAt(0) == '\t') && value != null) {
                value.append(line); // continuation: unfold by dropping the CRLF only
            } else {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    break; // not a header line: the body starts here (no empty separator line)
                }
                if (name != null) {
                    out.add(new Header(name, value.toString().stripLeading()));
                }
                name = line.substring(0, colon).strip();
                value = new StringBuilder(line.substring(colon + 1));
            }
            pos = next;
        }
        if (name != null) {
            out.add(new Header(name, value.toString().stripLeading()));
        }
        return pos;
    }
}
