// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Turns message octets into DATA content as they stream by: a dot at the start of a line is
 * doubled (RFC 5321 4.5.2), whatever the piece boundaries, and the end is {@code CRLF . CRLF}
 * (a CRLF is added when the content does not end with one). Output is gathered into pieces of
 * about {@link #PIECE} bytes, each handed to the {@link Output} (which blocks until the
 * downstream took it), so at most one piece is in memory whatever the message size.
 */
final class DotStuffer implements HeldContent.Sink {
    static final int PIECE = 64 * 1024;

    /** Where full pieces go; owns each piece it is given. */
    interface Output {
        void write(ByteBuf piece) throws IOException;
    }

    private final ByteBufAllocator alloc;
    private final Output output;
    private ByteBuf pending;
    private boolean lineStart = true;

    DotStuffer(ByteBufAllocator alloc, Output output) {
        this.alloc = alloc;
        this.output = output;
    }

    /** Takes (and releases) the next octets of the message. */
    @Override
    public void accept(ByteBuf piece) throws IOException {
        try {
            int i = piece.readerIndex();
            int end = piece.writerIndex();
            while (i < end) {
                if (pending == null) pending = alloc.buffer(PIECE + 2);
                if (lineStart && piece.getByte(i) == '.') pending.writeByte('.');
                int eol = piece.indexOf(i, end, (byte) '\n');
                int stop = eol < 0 ? end : eol + 1;
                // never let a piece grow far past PIECE, even for one very long line
                stop = Math.min(stop, i + Math.max(1, PIECE - pending.readableBytes()));
                pending.writeBytes(piece, i, stop - i);
                lineStart = piece.getByte(stop - 1) == '\n';
                i = stop;
                if (pending.readableBytes() >= PIECE) flush();
            }
        } finally {
            piece.release();
        }
    }

    void accept(byte[] octets, int length) throws IOException {
        ByteBuf b = alloc.buffer(length);
        b.writeBytes(octets, 0, length);
        accept(b);
    }

    void accept(String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        accept(b, b.length);
    }

    /** The last piece with the terminating dot; the caller sends it and reads the reply to it. */
    ByteBuf finish() {
        ByteBuf last = pending != null ? pending : alloc.buffer(5);
        pending = null;
        if (!lineStart) last.writeByte('\r').writeByte('\n');
        last.writeByte('.').writeByte('\r').writeByte('\n');
        return last;
    }

    /** Drops what was not handed on (after a failure). */
    void discard() {
        if (pending != null) pending.release();
        pending = null;
    }

    private void flush() throws IOException {
        ByteBuf full = pending;
        pending = null;
        output.write(full);
    }
}
