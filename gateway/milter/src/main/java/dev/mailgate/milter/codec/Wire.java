// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.buffer.ByteBuf;
import java.nio.charset.Charset;

/** Low-level writing shared by the command and response formats. */
final class Wire {
    private Wire() {
    }

    /** A NUL-terminated string. */
    static void writeString(ByteBuf out, String s, Charset charset) {
        out.writeCharSequence(s, charset);
        out.writeByte(0);
    }

    /**
     * Fills in the length prefix written as a placeholder at {@code start}, now that the payload
     * size is known (it counts the command byte, not the prefix itself).
     */
    static void patchLength(ByteBuf out, int start) {
        out.setInt(start, out.writerIndex() - start - MilterConstants.MILTER_LEN_BYTES);
    }
}
