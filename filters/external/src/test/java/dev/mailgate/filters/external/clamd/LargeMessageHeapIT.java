// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.clamd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Verdict;
import dev.mailgate.testkit.FilterHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 50 MB message through the session and the clamd filter in a JVM whose heap is smaller than
 * the message (failsafe runs this module's ITs with -Xmx64m): it only passes if nothing holds the
 * message whole in memory, neither the body store nor the filter.
 */
class LargeMessageHeapIT {
    static final int CHUNK = 65535;
    static final int CHUNKS = 50 * 1024 * 1024 / CHUNK + 1;

    @Test
    void fiftyMegabytesStreamThroughASmallHeap(@TempDir Path dir) throws Exception {
        assertThat(Runtime.getRuntime().maxMemory()).as("run with a heap smaller than the message").isLessThan(100L << 20);
        try (FakeClamd clamd = FakeClamd.tcp()) {
            clamd.keepStreams = false;
            FilterHarness h = FilterHarness.of("message: { memoryLimit: 256KiB, tempDirectory: \"" + dir + "\" }\n"
                    + "filters:\n  - clamd: { address: \"" + clamd.address() + "\", maxSize: 60MiB, timeout: 60s }\n", new ClamdFilterFactory());
            h.connect("192.0.2.1").mailFrom("a@b.test");
            h.rcptTo("c@d.test");
            h.header("Subject", "big").endOfHeaders();
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update("Subject: big\r\n\r\n".getBytes());
            byte[] chunk = new byte[CHUNK];
            long total = 0;
            for (int i = 0; i < CHUNKS; i++) {
                byte fill = (byte) ('a' + i % 26);
                java.util.Arrays.fill(chunk, fill);
                chunk[CHUNK - 2] = '\r';
                chunk[CHUNK - 1] = '\n';
                h.body(chunk);
                md.update(chunk);
                total += CHUNK;
            }
            assertThat(h.endOfData().verdict()).isEqualTo(Verdict.CONTINUE);
            assertThat(clamd.sizes).containsExactly(total + "Subject: big\r\n\r\n".length());
            assertThat(clamd.digests).containsExactly(HexFormat.of().formatHex(md.digest()));
            assertThat(clamd.largestChunk.get()).isLessThanOrEqualTo(65536);
            h.mailFrom("next@b.test"); // ends the transaction: the spilled body is removed
            try (Stream<Path> left = Files.list(dir)) {
                assertThat(left.toList()).isEmpty();
            }
        }
    }
}
