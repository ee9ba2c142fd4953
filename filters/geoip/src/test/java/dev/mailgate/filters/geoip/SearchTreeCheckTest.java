// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import static dev.mailgate.filters.geoip.TinyMmdb.DATA;
import static dev.mailgate.filters.geoip.TinyMmdb.EMPTY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The load-time search-tree check, one defect per hand-made tree. */
class SearchTreeCheckTest {
    @TempDir
    Path dir;

    private DatabaseLoader.Loaded load(int ipVersion, int[][] nodes) throws IOException {
        return DatabaseLoader.open(TinyMmdb.write(dir.resolve("tiny.mmdb"), ipVersion, nodes), Optional.empty());
    }

    private String file() {
        return dir.resolve("tiny.mmdb").toString();
    }

    @Test
    void aFullDepthChainLoadsAndAnswers() throws IOException {
        DatabaseLoader.Loaded db = load(4, TinyMmdb.chain(32, 0));
        assertThat(db.info().format()).isEqualTo(DatabaseFormat.COUNTRY_CODE);
        assertThat(db.database().lookup(InetAddress.getByName("0.0.0.0")).country()).isEqualTo("SE");
        assertThat(db.database().lookup(InetAddress.getByName("0.0.0.1")).found()).isFalse();
        assertThat(db.database().lookup(InetAddress.getByName("2001:db8::1")).found()).as("IPv6 in an IPv4 file").isFalse();
    }

    @Test
    void thirtyTwoBitRecordsAreReadToo() throws IOException {
        int[][] nodes = TinyMmdb.chain(32, 0);
        DatabaseLoader.Loaded db = DatabaseLoader.open(TinyMmdb.write(dir.resolve("tiny.mmdb"), 4, nodes, 32), Optional.empty());
        assertThat(db.database().lookup(InetAddress.getByName("0.0.0.0")).network()).isEqualTo("0.0.0.0/32");
        nodes[5][1] = 40; // beyond the tree and the separator, past the one record
        assertThatThrownBy(() -> DatabaseLoader.open(TinyMmdb.write(dir.resolve("tiny.mmdb"), 4, nodes, 32), Optional.empty()))
                .hasMessageContaining("node 5 points into the 16-byte separator (record 40)");
    }

    @Test
    void aPathLongerThanTheAddressIsRefused() {
        assertThatThrownBy(() -> load(4, TinyMmdb.chain(33, 0)))
                .hasMessage(file() + ": corrupt search tree: the path through node 32 is longer than the 32 bits of an address"
                        + " (a loop or a wrong node_count)");
    }

    @Test
    void aSharedSubtreeReachedTooDeepIsRefusedEvenWithHeightsAbove127() {
        // IPv6: nodes 0..127 form a full-depth chain (node 1's subtree is 127 bits deep); node 0's
        // right goes to node 128, whose left reuses node 1 one level deeper: 2 + 127 > 128 bits
        int[][] nodes = TinyMmdb.chain(128, 1);
        nodes[0][1] = 128;
        nodes[128] = new int[] {1, EMPTY};
        assertThatThrownBy(() -> load(6, nodes)).hasMessageContaining("corrupt search tree: the path through node 1 is longer than the 128 bits");
    }

    @Test
    void aSharedSubtreeAtTheSameDepthIsFine() throws IOException {
        int[][] nodes = TinyMmdb.chain(128, 0);
        nodes[0][1] = 1; // both halves of the address space share node 1, as IPv4 aliases do
        DatabaseLoader.Loaded db = load(6, nodes);
        assertThat(db.database().lookup(InetAddress.getByName("8000::")).country()).isEqualTo("SE");
    }

    @Test
    void aLoopIsRefused() {
        int[][] nodes = TinyMmdb.chain(3, 0);
        nodes[2][1] = 1;
        assertThatThrownBy(() -> load(4, nodes)).hasMessage(file() + ": corrupt search tree: node 1 is its own descendant (a loop)");
    }

    @Test
    void nodesNobodyReachesAreRefused() {
        int[][] nodes = TinyMmdb.chain(32, 2);
        nodes[32] = new int[] {EMPTY, EMPTY};
        nodes[33] = new int[] {DATA, DATA};
        assertThatThrownBy(() -> load(4, nodes)).hasMessage(file()
                + ": corrupt search tree: only 32 of its 34 nodes are reachable from the root (wrong node_count or damaged tree)");
    }

    @Test
    void recordsIntoTheSeparatorOrPastTheDataAreRefused() {
        int[][] separator = TinyMmdb.chain(32, 0);
        separator[3][1] = 32 + 5;
        assertThatThrownBy(() -> load(4, separator))
                .hasMessage(file() + ": corrupt search tree: node 3 points into the 16-byte separator (record 37)");
        int[][] past = TinyMmdb.chain(32, 0);
        past[4][1] = 32 + 16 + 1000;
        assertThatThrownBy(() -> load(4, past))
                .hasMessage(file() + ": corrupt search tree: node 4 points past the end of the data section (record 1048)");
    }

    @Test
    void everyDistinctRecordIsDecodedAtLoad() throws IOException {
        int[][] nodes = TinyMmdb.chain(32, 0);
        nodes[7][1] = DATA; // a second network, same record: still one record to decode
        assertThat(load(4, nodes).info().records()).isEqualTo(1);
    }
}
