// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Server-side SMTP framing: command lines and DATA content, strictly.
 *
 * <p><b>Commands.</b> A line ends only at CRLF and is at most {@code maxLineLength} bytes, CRLF
 * included; a bare CR, a bare LF, a NUL or a longer line is a {@link SmtpCodecException}. After
 * each command the decoder <em>pauses</em>: nothing more is decoded until the session handler has
 * answered and calls {@link #resume()} or, after a 354, {@link #startData()}. So pipelined bytes
 * that follow DATA are only read as content once the proxy has really agreed to take content, and
 * commands are answered strictly in order.
 *
 * <p><b>Content.</b> A byte-level state machine: the message ends only at {@code CRLF . CRLF}
 * (the CRLF before the dot being the end of the previous line, or the 354 for an empty message);
 * a CR not followed by LF and an LF not preceded by CR are refused, like Postfix's
 * {@code smtpd_forbid_bare_newline = normalize/reject}, because every published SMTP smuggling
 * variant ({@code <LF>.<LF>}, {@code <CR><LF>.<LF>}, {@code <LF>.<CR><LF>}, {@code <CR>.<CR>},
 * {@code <CR><LF>.<CR>} ...) needs one of them. Leading dots are un-stuffed (RFC 5321 4.5.2); every
 * other byte, 8-bit ones included, passes unchanged. Content is emitted in pieces of at most
 * {@link #MAX_CHUNK} bytes.
 *
 * <p><b>Chunks.</b> After a BDAT command (RFC 3030) {@link #startChunk(long)} makes the decoder
 * count: exactly that many octets follow, taken as they are (no dot-unstuffing, no search for an
 * end of data, no line rules: what the octets may contain is the session's business), emitted as
 * {@link SmtpRequest.Content} pieces of at most {@link #MAX_CHUNK} bytes as they arrive, then
 * {@link SmtpRequest.EndOfChunk}. The announced size is only a counter: nothing is allocated for
 * it, so a client cannot make us reserve memory by announcing a huge chunk.
 */
public final class SmtpServerDecoder extends ByteToMessageDecoder {
    public static final int MAX_CHUNK = 64 * 1024;

    private enum Mode { COMMAND, PAUSED, DATA, CHUNK }

    /** Where we are inside a content line. */
    private enum Line { START, MIDDLE, CR, DOT, DOT_CR }

    private final int maxLineLength;
    private Mode mode = Mode.COMMAND;
    private Line line = Line.START;
    /** Octets of the current BDAT chunk not read yet. */
    private long chunkLeft;
    /** True inside {@link #channelRead}: a decode loop is running. */
    private boolean reading;
    private ChannelHandlerContext ctx;

    /** @param maxLineLength longest command line in bytes including CRLF (RFC 5321 4.5.3.1.4: at least 512) */
    public SmtpServerDecoder(int maxLineLength) {
        if (maxLineLength < 512) throw new IllegalArgumentException("maxLineLength must be at least 512 (RFC 5321), got " + maxLineLength);
        this.maxLineLength = maxLineLength;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
    }

    /** The last command was answered: decode the next one. Call on the event loop. */
    public void resume() {
        mode = Mode.COMMAND;
        redecode();
    }

    /** 354 was sent: what follows is message content. Call on the event loop. */
    public void startData() {
        mode = Mode.DATA;
        line = Line.START;
        redecode();
    }

    /**
     * BDAT was accepted for reading: the next {@code size} octets are chunk content. Call on the
     * event loop; {@code size} must be positive (an empty chunk has nothing to read).
     */
    public void startChunk(long size) {
        if (size <= 0) throw new IllegalArgumentException("a chunk to read has at least one octet, got " + size);
        mode = Mode.CHUNK;
        chunkLeft = size;
        redecode();
    }

    /** Decode nothing until {@link #resume()}: bytes are buffered (before the greeting, after a PROXY header). */
    public void pause() {
        mode = Mode.PAUSED;
    }

    /** True while the decoder waits for {@link #resume()} or {@link #startData()}. */
    public boolean isPaused() {
        return mode == Mode.PAUSED;
    }

    /**
     * Throws away every byte received but not yet decoded and returns how many there were. For
     * STARTTLS: bytes a client pipelined behind it were sent in plain text and must not be taken
     * as commands of the TLS session (RFC 3207 section 6). Call on the event loop while paused.
     */
    public int discardBuffered() {
        ByteBuf buffered = internalBuffer();
        int n = buffered.readableBytes();
        buffered.skipBytes(n);
        return n;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        boolean outermost = !reading;
        reading = true;
        try {
            super.channelRead(ctx, msg);
        } finally {
            if (outermost) reading = false;
        }
    }

    private void redecode() {
        // Called while a request we produced is being handled (the session answered at once):
        // the decode loop that produced it goes on with the new mode by itself. Decoding here
        // as well would re-enter ByteToMessageDecoder, whose inner pass may release the buffer
        // the outer pass is still reading.
        if (reading) return;
        // bytes pipelined behind the last command are already here: decode them now rather
        // than waiting for the client to send more (it may be waiting for us)
        if (ctx != null && internalBuffer().isReadable()) {
            try {
                channelRead(ctx, Unpooled.EMPTY_BUFFER);
            } catch (Exception e) {
                ctx.fireExceptionCaught(e);
            }
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (mode) {
            case PAUSED -> { }
            case COMMAND -> command(in, out);
            case DATA -> content(in, out);
            case CHUNK -> chunk(in, out);
        }
    }

    private void command(ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int limit = Math.min(in.writerIndex(), start + maxLineLength);
        for (int i = start; i < limit; i++) {
            byte b = in.getByte(i);
            if (b == '\n') throw fail("500 5.5.2 Error: bare <LF> received");
            if (b == 0) throw fail("500 5.5.2 Error: NUL character in command");
            if (b == '\r') {
                if (i + 2 - start > maxLineLength) break; // CRLF would end past the limit
                if (i + 1 >= in.writerIndex()) return; // wait for the byte after CR
                if (in.getByte(i + 1) != '\n') throw fail("500 5.5.2 Error: bare <CR> received");
                String text = in.toString(start, i - start, StandardCharsets.UTF_8);
                in.readerIndex(i + 2);
                mode = Mode.PAUSED;
                out.add(SmtpRequest.Command.parse(text));
                return;
            }
        }
        if (in.writerIndex() - start >= maxLineLength) throw fail("500 5.5.2 Error: line too long (at most " + maxLineLength + " bytes)");
    }

    private void content(ByteBuf in, List<Object> out) {
        ByteBuf chunk = null;
        try {
            while (in.isReadable()) {
                if (chunk == null) chunk = ctx().alloc().buffer(Math.min(in.readableBytes() + 2, MAX_CHUNK));
                byte b = in.readByte();
                switch (line) {
                    case START -> {
                        if (b == '.') line = Line.DOT;
                        else plain(b, chunk);
                    }
                    case MIDDLE -> plain(b, chunk);
                    case CR -> {
                        if (b != '\n') throw fail("550 5.5.2 Error: bare <CR> received in message content");
                        chunk.writeByte('\r').writeByte('\n');
                        line = Line.START;
                    }
                    case DOT -> {
                        if (b == '\r') {
                            line = Line.DOT_CR;
                        } else {
                            // a stuffed dot: the first one goes, the rest of the line is content
                            line = Line.MIDDLE;
                            plain(b, chunk);
                        }
                    }
                    case DOT_CR -> {
                        if (b != '\n') throw fail("550 5.5.2 Error: bare <CR> received in message content");
                        mode = Mode.PAUSED;
                        line = Line.START;
                        if (chunk.isReadable()) out.add(new SmtpRequest.Content(chunk));
                        else chunk.release();
                        chunk = null;
                        out.add(SmtpRequest.EndOfData.INSTANCE);
                        return;
                    }
                }
                if (chunk.readableBytes() >= MAX_CHUNK - 2) {
                    out.add(new SmtpRequest.Content(chunk));
                    chunk = null;
                }
            }
            if (chunk != null && chunk.isReadable()) {
                out.add(new SmtpRequest.Content(chunk));
                chunk = null;
            }
        } finally {
            if (chunk != null) chunk.release();
        }
    }

    private void chunk(ByteBuf in, List<Object> out) {
        while (chunkLeft > 0 && in.isReadable()) {
            int n = (int) Math.min(Math.min(chunkLeft, in.readableBytes()), MAX_CHUNK);
            // a copy, not a retained slice: a slice would pin the whole cumulation buffer for as
            // long as the message is held, and the memory held would no longer be what we count
            ByteBuf piece = ctx().alloc().buffer(n);
            piece.writeBytes(in, n);
            chunkLeft -= n;
            out.add(new SmtpRequest.Content(piece));
        }
        if (chunkLeft == 0) {
            mode = Mode.PAUSED;
            out.add(SmtpRequest.EndOfChunk.INSTANCE);
        }
    }

    /** A byte inside a line: CR starts the line end, LF alone is refused, anything else is content. */
    private void plain(byte b, ByteBuf chunk) {
        if (b == '\r') {
            line = Line.CR;
        } else if (b == '\n') {
            throw fail("550 5.5.2 Error: bare <LF> received in message content");
        } else {
            chunk.writeByte(b);
            line = Line.MIDDLE;
        }
    }

    private ChannelHandlerContext ctx() {
        return ctx;
    }

    private SmtpCodecException fail(String reply) {
        mode = Mode.PAUSED; // never decode past a framing error
        return new SmtpCodecException(reply);
    }
}
