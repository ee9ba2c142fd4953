// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.math.BigInteger;
import java.nio.ByteBuffer;
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
            Object root = new MmdbDecoder(file, marker + MARKER.length).decode(0);
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
}
