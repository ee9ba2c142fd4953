// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metadata section of a MaxMind DB file, decoded and checked here rather than taken from
 * {@code com.maxmind.db.Metadata}: that class does not expose the node count and record size, and
 * the search-tree check ({@link SearchTreeCheck}) needs both. Every read is bounds-checked,
 * nesting (pointers included) is bounded, and anything else is a corrupt file.
 *
 * @param nodeCount    nodes in the search tree
 * @param recordSize   bits per record: 24, 28 or 32
 * @param ipVersion    4 or 6
 * @param databaseType the {@code database_type} string, e.g. {@code GeoLite2-Country}
 * @param buildEpoch   seconds since 1970 when the database was built
 * @param markerStart  byte offset of the metadata marker, where the data section ends
 */
record MmdbMetadata(long nodeCount, int recordSize, int ipVersion, String databaseType, long buildEpoch, int markerStart) {
    /** "\xAB\xCD\xEFMaxMind.com": the metadata starts after its last occurrence. */
    private static final byte[] MARKER = {(byte) 0xAB, (byte) 0xCD, (byte) 0xEF,
        'M', 'a', 'x', 'M', 'i', 'n', 'd', '.', 'c', 'o', 'm'};
    /** The format puts the metadata in the last 128 KiB of the file. */
    private static final int METADATA_MAX = 128 * 1024;
    /** Latest build time we accept: the end of year 9999, beyond which dates stop making sense. */
    private static final long MAX_EPOCH = 253_402_300_799L;

    /** Bytes of one search-tree node (two records). */
    int nodeBytes() {
        return recordSize / 4;
    }

    /** Bytes of the whole search tree. */
    long treeBytes() {
        return nodeCount * nodeBytes();
    }

    /** Bits of an address in this database's tree. */
    int bitLength() {
        return ipVersion == 4 ? 32 : 128;
    }

    /** Reads and checks the metadata of the whole file in {@code file} (absolute positions). */
    static MmdbMetadata read(ByteBuffer file, String name) {
        int marker = findMarker(file);
        if (marker < 0) throw new GeoipDatabaseException(name, "not a MaxMind DB file (no metadata marker in its last 128 KiB)");
        Map<String, Object> m;
        try {
            Object root = new Decoder(file, marker + MARKER.length).decode(0);
            if (!(root instanceof Map<?, ?> map)) throw new IllegalStateException("metadata is not a map");
            @SuppressWarnings("unchecked") Map<String, Object> cast = (Map<String, Object>) map;
            m = cast;
        } catch (IllegalStateException e) {
            throw new GeoipDatabaseException(name, "corrupt metadata: " + e.getMessage());
        }
        long major = number(m, "binary_format_major_version", name);
        if (major != 2) throw new GeoipDatabaseException(name, "binary format version " + major + " is not supported (only 2)");
        long nodeCount = number(m, "node_count", name);
        long recordSize = number(m, "record_size", name);
        if (recordSize != 24 && recordSize != 28 && recordSize != 32) {
            throw new GeoipDatabaseException(name, "record_size " + recordSize + " is not 24, 28 or 32");
        }
        long ipVersion = number(m, "ip_version", name);
        if (ipVersion != 4 && ipVersion != 6) throw new GeoipDatabaseException(name, "ip_version " + ipVersion + " is not 4 or 6");
        if (!(m.get("database_type") instanceof String type)) throw new GeoipDatabaseException(name, "metadata has no database_type");
        long epoch = number(m, "build_epoch", name);
        if (epoch <= 0 || epoch > MAX_EPOCH) {
            throw new GeoipDatabaseException(name, "build_epoch " + Long.toUnsignedString(epoch) + " is not a valid build time");
        }
        MmdbMetadata md = new MmdbMetadata(nodeCount, (int) recordSize, (int) ipVersion, type, epoch, marker);
        if (nodeCount == 0 || md.treeBytes() + 16 > marker) {
            throw new GeoipDatabaseException(name, "node_count " + nodeCount + " does not fit the file: the search tree would need "
                    + md.treeBytes() + " bytes, the file has " + marker + " before its metadata");
        }
        return md;
    }

    private static long number(Map<String, Object> m, String key, String name) {
        Object v = m.get(key);
        if (!(v instanceof BigInteger b)) throw new GeoipDatabaseException(name, "metadata has no unsigned integer " + key);
        // 64-bit values above Long.MAX_VALUE come back negative and fail the range checks above
        return b.bitLength() > 64 ? -1 : b.longValue();
    }

    private static int findMarker(ByteBuffer file) {
        int end = file.limit();
        int stop = Math.max(0, end - METADATA_MAX);
        outer:
        for (int i = end - MARKER.length; i >= stop; i--) {
            for (int j = 0; j < MARKER.length; j++) {
                if (file.get(i + j) != MARKER[j]) continue outer;
            }
            return i;
        }
        return -1;
    }

    /** A decoder for the data types allowed in metadata; every read is bounds-checked. */
    private static final class Decoder {
        private static final int MAX_DEPTH = 8;
        private final ByteBuffer buf;
        private final int base;
        private int pos;

        Decoder(ByteBuffer buf, int start) {
            this.buf = buf;
            this.base = start;
            this.pos = start;
        }

        Object decode(int depth) {
            if (depth > MAX_DEPTH) throw new IllegalStateException("nested more than " + MAX_DEPTH + " levels");
            int ctrl = u8();
            int type = ctrl >>> 5;
            if (type == 0) type = 7 + u8();
            if (type == 1) return followPointer(ctrl, depth);
            int size = ctrl & 0x1f;
            if (size == 29) size = 29 + u8();
            else if (size == 30) size = 285 + (int) unsigned(2).longValue();
            else if (size == 31) size = 65_821 + (int) unsigned(3).longValue();
            return switch (type) {
                case 2 -> string(size);
                case 3 -> { fixed(size, 8, "double"); yield buf.getDouble(advance(8)); }
                case 4 -> { advance(size); yield new byte[0]; }
                case 5 -> bounded(size, 2, "uint16");
                case 6 -> bounded(size, 4, "uint32");
                case 8 -> bounded(size, 4, "int32");
                case 9 -> bounded(size, 8, "uint64");
                case 10 -> bounded(size, 16, "uint128");
                case 7 -> map(size, depth);
                case 11 -> array(size, depth);
                case 14 -> { if (size > 1) throw new IllegalStateException("boolean of size " + size); yield size == 1; }
                case 15 -> { fixed(size, 4, "float"); yield buf.getFloat(advance(4)); }
                default -> throw new IllegalStateException("data type " + type + " is not allowed in metadata");
            };
        }

        /**
         * Decodes the value a pointer refers to and continues after the pointer. Metadata
         * pointers count from the start of the metadata (as MaxMind's writers emit them, e.g.
         * for repeated strings); a pointer to a pointer is invalid, and a loop ends at MAX_DEPTH.
         */
        private Object followPointer(int ctrl, int depth) {
            int high = ctrl & 0x07;
            long target = switch ((ctrl >>> 3) & 0x03) {
                case 0 -> ((long) high << 8) | u8();
                case 1 -> (((long) high << 16) | unsigned(2).longValue()) + 2048;
                case 2 -> (((long) high << 24) | unsigned(3).longValue()) + 526_336;
                default -> unsigned(4).longValue();
            };
            if (target >= buf.limit() - base) throw new IllegalStateException("pointer past the end of the file");
            int resume = pos;
            pos = base + (int) target;
            if ((buf.get(pos) & 0xff) >>> 5 == 1) throw new IllegalStateException("pointer to a pointer");
            Object value = decode(depth + 1);
            pos = resume;
            return value;
        }

        private Map<String, Object> map(int size, int depth) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (int i = 0; i < size; i++) {
                if (!(decode(depth + 1) instanceof String key)) throw new IllegalStateException("map key is not a string");
                m.put(key, decode(depth + 1));
            }
            return m;
        }

        private List<Object> array(int size, int depth) {
            List<Object> l = new ArrayList<>();
            for (int i = 0; i < size; i++) l.add(decode(depth + 1));
            return l;
        }

        private String string(int size) {
            byte[] b = new byte[size];
            buf.get(advance(size), b);
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
            } catch (CharacterCodingException e) {
                throw new IllegalStateException("string is not valid UTF-8");
            }
        }

        private BigInteger bounded(int size, int max, String what) {
            if (size > max) throw new IllegalStateException(what + " of " + size + " bytes");
            return unsigned(size);
        }

        private static void fixed(int size, int expected, String what) {
            if (size != expected) throw new IllegalStateException(what + " of " + size + " bytes");
        }

        private BigInteger unsigned(int n) {
            int at = advance(n);
            BigInteger v = BigInteger.ZERO;
            for (int i = 0; i < n; i++) v = v.shiftLeft(8).or(BigInteger.valueOf(buf.get(at + i) & 0xff));
            return v;
        }

        private int u8() {
            return buf.get(advance(1)) & 0xff;
        }

        /** Reserves n bytes and returns where they start; a read past the end is a truncated file. */
        private int advance(int n) {
            if (n < 0 || pos > buf.limit() - n) throw new IllegalStateException("truncated");
            int at = pos;
            pos += n;
            return at;
        }
    }
}
