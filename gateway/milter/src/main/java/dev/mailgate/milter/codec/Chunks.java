// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** Splits body data into pieces of at most {@link MilterConstants#MILTER_CHUNK_SIZE} bytes. */
final class Chunks {
    private Chunks() {
    }

    static List<byte[]> split(byte[] body) {
        Objects.requireNonNull(body, "body");
        List<byte[]> out = new ArrayList<>(body.length / MilterConstants.MILTER_CHUNK_SIZE + 1);
        for (int off = 0; off < body.length; off += MilterConstants.MILTER_CHUNK_SIZE) {
            out.add(Arrays.copyOfRange(body, off, Math.min(body.length, off + MilterConstants.MILTER_CHUNK_SIZE)));
        }
        return out;
    }

    /**
     * Reads the stream to its end. Every piece but the last is exactly full, as Postfix does it,
     * because {@code readNBytes} blocks until the chunk is complete or the stream ends.
     */
    static List<byte[]> split(InputStream in) throws IOException {
        Objects.requireNonNull(in, "in");
        List<byte[]> out = new ArrayList<>();
        while (true) {
            byte[] chunk = in.readNBytes(MilterConstants.MILTER_CHUNK_SIZE);
            if (chunk.length == 0) {
                return out;
            }
            out.add(chunk);
            if (chunk.length < MilterConstants.MILTER_CHUNK_SIZE) {
                return out;
            }
        }
    }
}
