// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import io.netty.buffer.ByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Finds the header fields of a message as its octets stream by, without holding the message:
 * each field is reported with its position (so the original bytes can be copied later from
 * wherever the message is held) and its value as text for the pipeline.
 *
 * <p>A line is a field when it starts with a name (printable ASCII without space, at most
 * {@link #MAX_NAME} octets) and a colon; a line starting with space or tab continues the field
 * before it. The header ends at the empty line, or at the first line that is neither (that line
 * is then the body's first). Only a field's first {@link #MAX_VALUE} octets are kept as its
 * value, like Postfix's {@code header_size_limit} (102400): a longer field still reaches the
 * downstream whole, but the pipeline sees it cut, and a client cannot make us hold more.
 */
final class HeaderScanner {
    static final int MAX_NAME = 998;
    static final int MAX_VALUE = 100 * 1024;

    /** What the scanner reports, in message order. */
    interface Listener {
        /** A complete field: octets {@code [start, end)} of the message, CRLF and continuation lines included. */
        void field(String name, long start, long end, String value);

        /**
         * The header is over. The body starts at {@code bodyStart}; its first octets, already
         * consumed by the scanner, are {@code bodyPrefix} (part of a line that turned out not to be a field).
         */
        void end(long headerEnd, long bodyStart, byte[] bodyPrefix);
    }

    private enum State { LINE_START, BLANK_CR, NAME, VALUE, DONE }

    private final Listener listener;
    private State state = State.LINE_START;
    /** Message offset of the next octet. */
    private long offset;
    private long lineStart;
    private final ByteArrayOutputStream name = new ByteArrayOutputStream();
    private String fieldName;
    private long fieldStart = -1;
    private final ByteArrayOutputStream value = new ByteArrayOutputStream();

    HeaderScanner(Listener listener) {
        this.listener = listener;
    }

    boolean done() {
        return state == State.DONE;
    }

    /**
     * Scans the next octets (the buffer's indexes are not moved). Returns how many of them belong
     * to the header; the rest, if any, is body.
     */
    int scan(ByteBuf data) {
        int from = data.readerIndex();
        int end = data.writerIndex();
        for (int i = from; i < end && state != State.DONE; i++, offset++) {
            byte b = data.getByte(i);
            switch (state) {
                case LINE_START -> {
                    lineStart = offset;
                    if (b == '\r') {
                        state = State.BLANK_CR;
                    } else if ((b == ' ' || b == '\t') && fieldStart >= 0) {
                        state = State.VALUE; // a folded continuation of the open field
                        keep(b);
                    } else {
                        name.reset();
                        state = State.NAME;
                        if (!name(b)) return i - from;
                    }
                }
                case BLANK_CR -> {
                    if (b == '\n') {
                        flushField(lineStart);
                        state = State.DONE;
                        listener.end(lineStart, offset + 1, new byte[0]);
                        return i + 1 - from;
                    }
                    // a CR that ends nothing (DATA and BDAT refuse it before we get here): body
                    flushField(lineStart);
                    state = State.DONE;
                    listener.end(lineStart, lineStart, new byte[] {'\r'});
                    return i - from;
                }
                case NAME -> {
                    if (!name(b)) return i - from;
                }
                case VALUE -> {
                    keep(b);
                    if (b == '\n') state = State.LINE_START;
                }
                case DONE -> { }
            }
        }
        return end - from;
    }

    /** One octet of a possible field name; false when the line turned out to be body. */
    private boolean name(byte b) {
        if (b == ':' && name.size() > 0) {
            flushField(lineStart);
            fieldName = name.toString(StandardCharsets.ISO_8859_1);
            fieldStart = lineStart;
            value.reset();
            state = State.VALUE;
            return true;
        }
        if (b > 32 && b < 127 && b != ':' && name.size() < MAX_NAME) {
            name.write(b);
            return true;
        }
        notAField();
        return false;
    }

    /** The line at {@link #lineStart} is the body's first; what was read of it so far goes with the body. */
    private void notAField() {
        flushField(lineStart);
        state = State.DONE;
        listener.end(lineStart, lineStart, name.toByteArray());
    }

    private void keep(byte b) {
        if (value.size() < MAX_VALUE) value.write(b);
    }

    /** The message ended inside the header (no body, perhaps no final CRLF). */
    void finish() {
        switch (state) {
            case DONE -> { }
            case NAME -> notAField(); // a last line without colon nor CRLF
            case BLANK_CR -> {
                flushField(lineStart);
                state = State.DONE;
                listener.end(lineStart, lineStart, new byte[] {'\r'});
            }
            default -> {
                flushField(offset);
                state = State.DONE;
                listener.end(offset, offset, new byte[0]);
            }
        }
    }

    private void flushField(long end) {
        if (fieldStart < 0) return;
        byte[] v = value.toByteArray();
        int n = v.length;
        if (n >= 2 && v[n - 2] == '\r' && v[n - 1] == '\n') n -= 2;
        String text = new String(v, 0, n, StandardCharsets.UTF_8);
        if (text.startsWith(" ")) text = text.substring(1);
        listener.field(fieldName, fieldStart, end, text);
        fieldStart = -1;
    }
}
