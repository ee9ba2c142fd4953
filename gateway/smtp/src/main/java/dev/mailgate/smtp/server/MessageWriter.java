// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.api.MessageBody;
import dev.mailgate.api.Modification;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Streams what goes to the downstream after DATA: the held message with the policy's header
 * changes (the same semantics as the milter actions: add appends, insert at an index, change the
 * n-th occurrence, an empty value removes, a missing occurrence is added) and an optional new
 * body, through a {@link DotStuffer}. Unchanged fields are copied byte for byte from wherever the
 * message is held, so a message without changes arrives exactly as the client sent it, and no
 * more than a piece of it is ever in memory here.
 */
final class MessageWriter {
    private MessageWriter() {}

    /** A header as it will be written: either octets of the original or new text. */
    private record Out(String name, MessageAssembler.Field original, String text) {}

    /**
     * Writes everything but the last piece into {@code out} and returns that piece, which ends
     * with the final dot. Blocks (disk reads, the downstream's pace): call it on a virtual thread,
     * holding a reference to the content.
     */
    static ByteBuf write(MessageAssembler m, List<Modification> mods, MessageBody newBody, DotStuffer out)
            throws IOException, InterruptedException {
        HeldContent content = m.content();
        try {
            for (Out h : headers(m, mods)) {
                if (h.original() != null) content.copy(h.original().start(), h.original().end(), out);
                else out.accept(h.text());
            }
            content.copy(m.headerEnd(), m.bodyStart(), out); // the blank line, if there was one
            if (newBody != null) {
                try (InputStream in = newBody.open()) {
                    byte[] buf = new byte[DotStuffer.PIECE];
                    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
                        if (n > 0) out.accept(buf, n);
                    }
                }
            } else {
                content.copy(m.bodyStart(), content.size(), out);
            }
            return out.finish();
        } catch (IOException | InterruptedException | RuntimeException e) {
            out.discard();
            throw e;
        }
    }

    private static List<Out> headers(MessageAssembler m, List<Modification> mods) {
        List<Out> headers = new ArrayList<>();
        for (MessageAssembler.Field f : m.fields()) headers.add(new Out(f.name(), f, null));
        for (Modification mod : mods) {
            switch (mod) {
                case Modification.AddHeader h -> headers.add(added(h.name(), h.value()));
                case Modification.InsertHeader h -> headers.add(Math.min(h.index(), headers.size()), added(h.name(), h.value()));
                case Modification.ChangeHeader h -> change(headers, h);
                default -> { } // envelope and body changes are applied by the caller
            }
        }
        return headers;
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
}
