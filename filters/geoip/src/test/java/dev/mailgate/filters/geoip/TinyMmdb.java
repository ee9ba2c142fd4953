// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes tiny MaxMind DB files with a hand-made search tree (24- or 32-bit records) and one data record
 * {@code {country_code: "SE"}}, to aim the load-time checks at one defect at a time. Records are
 * given as raw values: a node number, {@link #EMPTY}, or {@link #DATA}.
 */
final class TinyMmdb {
    /** Record value for "no data" (resolved to node_count when written). */
    static final int EMPTY = -1;
    /** Record value for the one data record (resolved to node_count + 16). */
    static final int DATA = -2;

    private TinyMmdb() {}

    /** Writes a database whose node {@code i} has records {@code nodes[i][0]} (bit 0) and {@code nodes[i][1]}. */
    static Path write(Path file, int ipVersion, int[][] nodes) throws IOException {
        return write(file, ipVersion, nodes, 24);
    }

    /** As {@link #write(Path, int, int[][])} with {@code recordSize} 24 or 32 bits. */
    static Path write(Path file, int ipVersion, int[][] nodes, int recordSize) throws IOException {
        int n = nodes.length;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int[] node : nodes) {
            for (int r : node) {
                int v = r == EMPTY ? n : r == DATA ? n + 16 : r;
                uint(out, v, recordSize / 8);
            }
        }
        out.write(new byte[16]);
        out.write(0xe1); // map of 1
        string(out, "country_code");
        string(out, "SE");
        out.write(new byte[] {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF});
        out.write("MaxMind.com".getBytes(StandardCharsets.US_ASCII));
        out.write(0xe0 | 7); // map of 7
        string(out, "binary_format_major_version");
        uint(out, 5, 2, 2);
        string(out, "binary_format_minor_version");
        uint(out, 5, 0, 2);
        string(out, "build_epoch");
        out.write(0x04); // extended type, 4 bytes
        out.write(9 - 7); // uint64
        out.write(new byte[] {0x65, 0x00, 0x00, 0x00}); // 2023-09-26
        string(out, "database_type");
        string(out, "tiny country test");
        string(out, "ip_version");
        uint(out, 5, ipVersion, 2);
        string(out, "node_count");
        uint(out, 6, n, 4);
        string(out, "record_size");
        uint(out, 5, recordSize, 2);
        return Files.write(file, out.toByteArray());
    }

    private static void string(ByteArrayOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write((2 << 5) | b.length); // short strings only (< 29 bytes)
        out.write(b);
    }

    private static void uint(ByteArrayOutputStream out, int type, long value, int size) {
        out.write((type << 5) | size);
        uint(out, value, size);
    }

    private static void uint(ByteArrayOutputStream out, long value, int size) {
        for (int i = size - 1; i >= 0; i--) out.write((int) (value >>> (8 * i)));
    }

    /** A chain: node k (at depth k) goes left to k+1, right to nothing; the last goes left to DATA. */
    static int[][] chain(int length, int extraNodes) {
        int[][] nodes = new int[length + extraNodes][];
        for (int k = 0; k < length; k++) nodes[k] = new int[] {k + 1 < length ? k + 1 : DATA, EMPTY};
        return nodes;
    }
}
