// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.HeaderField;
import dev.mailgate.api.MessageBody;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The message as a scanner expects it (RFC 5322: header fields, an empty line, the body, CRLF line
 * ends), assembled from the headers the MTA sent and the stored body. The body is read from its
 * store (memory or temp file) while it is sent, so no second copy of a large message is made.
 */
public final class MessageStream {
    /** Chunk size for copying to a scanner: clamd's INSTREAM and the milter body chunks use the same. */
    public static final int CHUNK = 64 * 1024;

    private MessageStream() {}

    /** The header section including the empty line that ends it. */
    public static byte[] headerBlock(List<HeaderField> headers) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(1024);
        for (HeaderField h : headers) {
            String v = h.value();
            // the MTA dropped the space after the colon (without SMFIP_HDR_LEADSPC); folded lines keep their whitespace
            String line = h.name() + ":" + (v.isEmpty() || v.startsWith(" ") || v.startsWith("\t") ? "" : " ")
                    + v.replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n";
            b.writeBytes(line.getBytes(StandardCharsets.UTF_8));
        }
        b.writeBytes(new byte[] {'\r', '\n'});
        return b.toByteArray();
    }

    /** The stored body, or an empty one if the policy kept none. */
    public static MessageBody body(FilterContext ctx) {
        return ctx.body().orElse(EMPTY);
    }

    /** Bytes a scanner will receive: header block plus body. */
    public static long size(FilterContext ctx) {
        return headerBlock(ctx.headers()).length + body(ctx).size();
    }

    /** A fresh stream over the whole message; the caller closes it. */
    public static InputStream open(FilterContext ctx) throws IOException {
        return new SequenceInputStream(new ByteArrayInputStream(headerBlock(ctx.headers())), body(ctx).open());
    }

    /** Copies {@code in} to {@code out} in chunks of at most {@link #CHUNK} bytes; returns the count. */
    public static long copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[CHUNK];
        long n = 0;
        for (int r; (r = in.read(buf)) > 0; ) {
            out.write(buf, 0, r);
            n += r;
        }
        return n;
    }

    private static final MessageBody EMPTY = new MessageBody() {
        public long size() { return 0; }

        public InputStream open() { return InputStream.nullInputStream(); }
    };
}
