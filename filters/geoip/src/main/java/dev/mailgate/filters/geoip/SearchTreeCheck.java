// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Walks the whole search tree of a MaxMind DB once, at load, so that a corrupt tree is refused
 * then instead of failing (or looping) at some client's lookup later. Checks that every record
 * points at a node, at "empty" or into the data section (never into the 16-byte separator or past
 * the data), that no path is longer than the address (which also catches loops), and that every
 * node is reachable from the root (a wrong node_count or stray nodes mean a damaged file).
 *
 * <p>Returns one sample address per distinct data record, so that the caller can decode every
 * record a lookup could ever return through the very code a lookup uses.
 *
 * <p>Cost: one visit per node (aliased subtrees, like IPv4 inside IPv6, are visited once), a byte
 * of scratch per node; about 30 ms for the shipped 1.3 million-node database.
 */
final class SearchTreeCheck {
    private static final byte IN_PROGRESS = (byte) 0xff;

    private final ByteBuffer file;
    private final MmdbMetadata md;
    private final String name;
    private final int nodeCount;
    private final long dataSize;
    private final int bits;
    /** Per node: 0 = not visited, IN_PROGRESS, or 1 + the number of address bits below it. */
    private final byte[] state;
    private final byte[] path = new byte[16];
    private final Map<Integer, byte[]> samples = new LinkedHashMap<>();
    private long reachable;

    private SearchTreeCheck(ByteBuffer file, MmdbMetadata md, String name) {
        this.file = file;
        this.md = md;
        this.name = name;
        if (md.nodeCount() > Integer.MAX_VALUE - 16) throw new GeoipDatabaseException(name, "node_count " + md.nodeCount() + " is too large");
        this.nodeCount = (int) md.nodeCount();
        this.dataSize = md.markerStart() - md.treeBytes() - 16;
        this.bits = md.bitLength();
        this.state = new byte[nodeCount];
    }

    /**
     * Checks the tree of {@code file} (the whole database, absolute positions).
     *
     * @return data-section offset of each distinct record → an address whose lookup returns it
     */
    static Map<Integer, InetAddress> check(ByteBuffer file, MmdbMetadata md, String name) {
        SearchTreeCheck c = new SearchTreeCheck(file, md, name);
        c.checkSeparator();
        c.visit(0, 0);
        if (c.reachable != c.nodeCount) {
            throw new GeoipDatabaseException(name, "corrupt search tree: only " + c.reachable + " of its " + c.nodeCount
                    + " nodes are reachable from the root (wrong node_count or damaged tree)");
        }
        Map<Integer, InetAddress> result = new LinkedHashMap<>();
        c.samples.forEach((offset, address) -> result.put(offset, c.toAddress(address)));
        return result;
    }

    private void checkSeparator() {
        int start = (int) md.treeBytes();
        for (int i = 0; i < 16; i++) {
            if (file.get(start + i) != 0) throw new GeoipDatabaseException(name, "corrupt file: the 16 zero bytes after the search tree are not zero");
        }
    }

    /** Visits a node reached after {@code depth} address bits; returns the bits its subtree consumes. */
    private int visit(int node, int depth) {
        byte s = state[node];
        if (s == IN_PROGRESS) throw new GeoipDatabaseException(name, "corrupt search tree: node " + node + " is its own descendant (a loop)");
        if (s != 0) {
            int height = (s & 0xff) - 1; // heights reach 128, beyond a signed byte
            if (depth + height > bits) throw tooDeep(node);
            return height;
        }
        if (depth >= bits) throw tooDeep(node);
        state[node] = IN_PROGRESS;
        reachable++;
        int height = 0;
        for (int bit = 0; bit <= 1; bit++) {
            setPathBit(depth, bit);
            long record = record(node, bit);
            if (record < nodeCount) {
                height = Math.max(height, 1 + visit((int) record, depth + 1));
            } else if (record > nodeCount) {
                long offset = record - nodeCount - 16;
                if (offset < 0) throw corrupt(node, record, "into the 16-byte separator");
                if (offset >= dataSize) throw corrupt(node, record, "past the end of the data section");
                samples.computeIfAbsent((int) offset, o -> path.clone());
                height = Math.max(height, 1);
            } // record == nodeCount: no data for this network
        }
        setPathBit(depth, 0);
        state[node] = (byte) (height + 1);
        return height;
    }

    private long record(int node, int bit) {
        int at = node * md.nodeBytes();
        return switch (md.recordSize()) {
            case 24 -> uint(at + bit * 3, 3);
            case 28 -> bit == 0
                    ? ((long) (file.get(at + 3) & 0xf0) << 20) | uint(at, 3)
                    : ((long) (file.get(at + 3) & 0x0f) << 24) | uint(at + 4, 3);
            default -> uint(at + bit * 4, 4);
        };
    }

    private long uint(int at, int n) {
        long v = 0;
        for (int i = 0; i < n; i++) v = (v << 8) | (file.get(at + i) & 0xff);
        return v;
    }

    private void setPathBit(int depth, int bit) {
        int mask = 0x80 >>> (depth & 7);
        if (bit == 1) path[depth >>> 3] |= (byte) mask;
        else path[depth >>> 3] &= (byte) ~mask;
    }

    private GeoipDatabaseException tooDeep(int node) {
        return new GeoipDatabaseException(name, "corrupt search tree: the path through node " + node
                + " is longer than the " + bits + " bits of an address (a loop or a wrong node_count)");
    }

    private GeoipDatabaseException corrupt(int node, long record, String where) {
        return new GeoipDatabaseException(name, "corrupt search tree: node " + node + " points " + where + " (record " + record + ")");
    }

    private InetAddress toAddress(byte[] bytes) {
        try {
            return InetAddress.getByAddress(bits == 32 ? java.util.Arrays.copyOf(bytes, 4) : bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e); // only for a wrong length, which cannot happen
        }
    }
}
