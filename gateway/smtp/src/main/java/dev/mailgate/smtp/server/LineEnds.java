// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import io.netty.buffer.ByteBuf;

/**
 * The line-end rule of DATA applied to BDAT content: every CR is followed by LF and every LF
 * follows a CR. BDAT needs no end-of-data sequence, but the proxy hands the message to the
 * downstream with DATA, where a bare CR or LF is what every SMTP smuggling variant is built from
 * (a next hop that reads {@code <CR>.<CR>} or {@code <LF>.<LF>} as the end would see a second
 * message). A CRLF may be split between two chunks, so the state lives for the whole message.
 */
final class LineEnds {
    private boolean afterCr;
    private String violation;

    /** Checks the next content bytes; false (and {@link #violation()} says which) on a bare CR or LF. */
    boolean accept(ByteBuf data) {
        if (violation != null) return false;
        // one pass through the buffer (not a getByte per octet: that is slow on wrapped buffers)
        return data.forEachByte(this::next) < 0;
    }

    private boolean next(byte b) {
        if (afterCr && b != '\n') {
            violation = "bare <CR>";
            return false;
        }
        if (!afterCr && b == '\n') {
            violation = "bare <LF>";
            return false;
        }
        afterCr = b == '\r';
        return true;
    }

    /** At the end of the message: false if it ends in a CR without its LF. */
    boolean endsClean() {
        if (violation == null && afterCr) violation = "bare <CR>";
        return violation == null;
    }

    /** "bare &lt;LF&gt;" or "bare &lt;CR&gt;" once a rule was broken, else null. */
    String violation() {
        return violation;
    }
}
