// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.Modification;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds what goes to the downstream after DATA: the held message with the policy's header
 * changes (the same semantics as the milter actions: add appends, insert at an index, change the
 * n-th occurrence, an empty value removes, a missing occurrence is added) and an optional new
 * body, dot-stuffed, followed by the final {@code .CRLF}. Unchanged fields are copied byte for
 * byte, so a message without changes arrives exactly as the client sent it.
 */
final class MessageWriter {
    private MessageWriter() {}

    /** A header as it will be written: either a slice of the original or new text. */
    private record Out(String name, ByteBuf original, String text) {}

    static ByteBuf write(ByteBufAllocator alloc, MessageAssembler m, List<Modification> mods, byte[] newBody) {
        ByteBuf content = m.content();
        List<Out> headers = new ArrayList<>();
        for (MessageAssembler.Field f : m.fields()) headers.add(new Out(f.name(), content.slice(f.start(), f.end() - f.start()), null));
        for (Modification mod : mods) {
            switch (mod) {
                case Modification.AddHeader h -> headers.add(added(h.name(), h.value()));
                case Modification.InsertHeader h -> headers.add(Math.min(h.index(), headers.size()), added(h.name(), h.value()));
                case Modification.ChangeHeader h -> change(headers, h);
                default -> { } // envelope and body changes are applied by the caller
            }
        }
        ByteBuf plain = alloc.buffer(content.readableBytes() + 256);
        try {
            for (Out h : headers) {
                if (h.original() != null) plain.writeBytes(h.original(), h.original().readerIndex(), h.original().readableBytes());
                else plain.writeCharSequence(h.text(), StandardCharsets.UTF_8);
            }
            int headerEnd = m.headerEnd();
            plain.writeBytes(content, headerEnd, m.bodyStart() - headerEnd); // the blank line, if there was one
            if (newBody != null) {
                plain.writeBytes(newBody);
                if (newBody.length > 0 && newBody[newBody.length - 1] != '\n') plain.writeCharSequence("\r\n", StandardCharsets.US_ASCII);
            } else {
                plain.writeBytes(content, m.bodyStart(), content.writerIndex() - m.bodyStart());
            }
            return stuff(alloc, plain);
        } finally {
            plain.release();
        }
    }

    private static Out added(String name, String value) {
        // multi-line values keep their folding, with CRLF line ends on the wire
        String v = value.replace("\r\n", "\n").replace("\n", "\r\n");
        return new Out(name, null, name + ": " + v + "\r\n");
    }

    private static void change(List<Out> headers, Modification.ChangeHeader h) {
        int seen = 0;
        for (int i = 0; i < headers.size(); i++) {
            if (headers.get(i).name().equalsIgnoreCase(h.name()) && ++seen == h.occurrence()) {
                if (h.value().isEmpty()) headers.remove(i);
                else headers.set(i, added(headers.get(i).name(), h.value()));
                return;
            }
        }
        if (!h.value().isEmpty()) headers.add(added(h.name(), h.value()));
    }

    /** Doubles a dot at the start of every line (RFC 5321 4.5.2) and appends the final dot. */
    static ByteBuf stuff(ByteBufAllocator alloc, ByteBuf plain) {
        ByteBuf out = alloc.buffer(plain.readableBytes() + plain.readableBytes() / 64 + 5);
        int i = plain.readerIndex();
        int end = plain.writerIndex();
        boolean lineStart = true;
        while (i < end) {
            if (lineStart && plain.getByte(i) == '.') out.writeByte('.');
            int eol = plain.indexOf(i, end, (byte) '\n');
            int stop = eol < 0 ? end : eol + 1;
            out.writeBytes(plain, i, stop - i);
            i = stop;
            lineStart = eol >= 0;
        }
        if (!lineStart) out.writeByte('\r').writeByte('\n');
        out.writeByte('.').writeByte('\r').writeByte('\n');
        return out;
    }
}
