// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import dev.mailgate.api.HeaderField;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An .eml file split the way an MTA hands it to a milter: header fields (folded lines joined by
 * LF, one leading space dropped) and the body with CRLF line ends.
 */
record MessageFile(List<HeaderField> headers, byte[] body) {

    static MessageFile parse(byte[] raw) {
        List<String> lines = new ArrayList<>();
        int pos = 0;
        int bodyStart = raw.length;
        while (pos < raw.length) {
            int end = pos;
            while (end < raw.length && raw[end] != '\n') end++;
            int lineEnd = end > pos && raw[end - 1] == '\r' ? end - 1 : end;
            String line = new String(raw, pos, lineEnd - pos, StandardCharsets.UTF_8);
            pos = Math.min(raw.length, end + 1);
            if (line.isEmpty()) {
                bodyStart = pos;
                break;
            }
            lines.add(line);
        }
        List<HeaderField> headers = new ArrayList<>();
        for (String line : lines) {
            if ((line.startsWith(" ") || line.startsWith("\t")) && !headers.isEmpty()) {
                HeaderField last = headers.remove(headers.size() - 1);
                headers.add(new HeaderField(last.name(), last.value() + "\n" + line));
                continue;
            }
            int colon = line.indexOf(':');
            if (colon <= 0) continue; // not a header line: an MTA would have ended the header here
            String value = line.substring(colon + 1);
            if (value.startsWith(" ")) value = value.substring(1);
            headers.add(new HeaderField(line.substring(0, colon).strip(), value));
        }
        return new MessageFile(headers, crlf(raw, bodyStart));
    }

    private static byte[] crlf(byte[] raw, int from) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length - from + 64);
        for (int i = from; i < raw.length; i++) {
            byte b = raw[i];
            if (b == '\n' && (i == from || raw[i - 1] != '\r')) out.write('\r');
            out.write(b);
        }
        return out.toByteArray();
    }
}
