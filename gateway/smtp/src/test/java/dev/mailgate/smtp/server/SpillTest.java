// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.policy.PolicyLoader;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Messages above {@code spillThreshold} through the proxy, over loopback against a
 * {@link FakeDownstream}: the memory Netty's allocator hands out stays bounded while a 50 MB
 * message passes (and does not without spilling), the downstream gets every octet, the temp
 * file is owner-only and gone afterwards, also when the client vanishes, and a disk that fails
 * makes the client retry instead of losing the message.
 */
class SpillTest {
    static final int MiB = 1 << 20;
    @TempDir
    Path spill;
    ProxyHarness proxy;

    @AfterEach
    void stop() throws Exception {
        if (proxy != null) proxy.close();
    }

    private ProxyHarness start(long threshold, Path directory, String rules) throws Exception {
        proxy = new ProxyHarness("    maxDataSize: 64MiB\n    spillThreshold: " + threshold + "\n    spillDirectory: " + directory + "\n", rules);
        return proxy;
    }

    /** Message octets {@code [at, at + n)}: 200-octet lines, 8-bit octets, every tenth line starting with a dot. */
    static byte[] content(long at, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            long p = at + i;
            long col = p % 200;
            if (p < 18) b[i] = "Subject: spilled\r\n".getBytes(StandardCharsets.US_ASCII)[(int) p];
            else if (col == 198) b[i] = '\r';
            else if (col == 199) b[i] = '\n';
            else if (col == 0 && (p / 200) % 10 == 0) b[i] = '.';
            else b[i] = (byte) (0x20 + (p * 7 + col) % 0xd0); // printable and 8-bit, never CR or LF
        }
        return b;
    }

    /** Dot-stuffs across calls, as DATA would carry the content. */
    static final class Stuffing {
        boolean lineStart = true;

        byte[] apply(byte[] in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(in.length + in.length / 100);
            for (byte x : in) {
                if (lineStart && x == '.') out.write('.');
                out.write(x);
                lineStart = x == '\n';
            }
            return out.toByteArray();
        }
    }

    /** Samples the allocator's direct plus heap memory in use, and the spill files' permissions. */
    final class Watch implements AutoCloseable {
        final ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        final long baseline = used();
        final AtomicLong peak = new AtomicLong();
        final Set<String> filePermissions = ConcurrentHashMap.newKeySet();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread sampler = Thread.ofPlatform().daemon().start(() -> {
            while (running.get()) {
                peak.accumulateAndGet(used() - baseline, Math::max);
                try (var files = Files.list(spill)) {
                    files.forEach(f -> {
                        try {
                            filePermissions.add(PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
                        } catch (java.io.IOException gone) {
                            // deleted between list and read
                        }
                    });
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });

        long used() {
            return metric.usedDirectMemory() + metric.usedHeapMemory();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            sampler.join();
        }
    }

    /** Sends {@code total} octets of {@link #content} in BDAT chunks of {@code chunk}; returns SHA-256 of the stuffed content. */
    private byte[] sendByBdat(ProxyHarness.Client c, long total, int chunk) throws Exception {
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        Stuffing stuffing = new Stuffing();
        for (long at = 0; at < total; at += chunk) {
            byte[] octets = content(at, (int) Math.min(chunk, total - at));
            expected.update(stuffing.apply(octets));
            c.write(("BDAT " + octets.length + "\r\n").getBytes(StandardCharsets.US_ASCII));
            c.write(octets);
            assertThat(c.last()).isEqualTo("250 2.0.0 Ok: " + octets.length + " octets received");
        }
        assertThat(c.command("BDAT 0 LAST")).isEqualTo("250 ok: queued");
        return expected.digest();
    }

    private void awaitEmpty(Path dir) throws Exception {
        long until = System.nanoTime() + 5_000_000_000L;
        while (true) {
            try (var files = Files.list(dir)) {
                List<Path> left = files.toList();
                if (left.isEmpty()) return;
                if (System.nanoTime() > until) throw new AssertionError("left in " + dir + ": " + left);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void aFiftyMegabyteMessageNeedsAFewMegabytesAndArrivesWhole() throws Exception {
        start(256 * 1024, spill, "");
        long total = 50L * MiB;
        byte[] expected;
        Watch watch = new Watch();
        try (watch; var c = proxy.client().transaction()) {
            expected = sendByBdat(c, total, MiB);
        }
        FakeDownstream.Received got = proxy.downstream.messages.get(0);
        assertThat(got.size()).isGreaterThan(total);
        assertThat(got.sha256()).isEqualTo(expected);
        System.out.printf("50 MiB spilled: allocator peak %.1f MiB above baseline%n", watch.peak.get() / (double) MiB);
        // what the proxy holds is the threshold and the backlog; the allocator rounds up to its chunks
        assertThat(watch.peak.get()).as("allocator memory in use above the baseline").isLessThan(8L * MiB);
        assertThat(watch.filePermissions).containsExactly("rw-------");
        awaitEmpty(spill);
    }

    @Test
    void withoutSpillingTheSameMeasureSeesTheWholeMessage() throws Exception {
        // the control: if the measure above could not see a held message, it would prove nothing
        start(1L << 30, spill, "");
        long total = 24L * MiB;
        Watch watch = new Watch();
        try (watch; var c = proxy.client().transaction()) {
            sendByBdat(c, total, MiB);
        }
        System.out.printf("24 MiB not spilled: allocator peak %.1f MiB above baseline%n", watch.peak.get() / (double) MiB);
        assertThat(watch.peak.get()).isGreaterThan(total);
        assertThat(watch.filePermissions).isEmpty();
    }

    @Test
    void aSpilledDataMessageWithAnAddedHeaderArrivesExactly() throws Exception {
        start(64 * 1024, spill, """
                rules:
                  onDataReceived:
                    - then:
                        - addHeader: "X-Spilled: yes"
                """);
        byte[] head = "Subject: spilled\r\nFrom: <a@test.invalid>\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
        // DATA is un-stuffed octet by octet, slow under paranoid leak detection: a smaller message
        byte[] body = content(18, 200 * 3500 - 18); // ends with its last line's CRLF
        Stuffing wire = new Stuffing();
        try (var c = proxy.client().transaction()) {
            assertThat(c.command("DATA")).startsWith("354");
            c.write(wire.apply(head));
            c.write(wire.apply(body));
            c.write(".\r\n");
            assertThat(c.last()).isEqualTo("250 ok: queued");
        }
        MessageDigest expected = MessageDigest.getInstance("SHA-256");
        Stuffing s = new Stuffing();
        expected.update(s.apply("Subject: spilled\r\nFrom: <a@test.invalid>\r\nX-Spilled: yes\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
        expected.update(s.apply(body));
        assertThat(proxy.downstream.messages.get(0).sha256()).isEqualTo(expected.digest());
        awaitEmpty(spill);
    }

    @Test
    void theFileGoesWhenTheClientVanishesMidMessage() throws Exception {
        start(0, spill, "");
        try (var c = proxy.client().transaction()) {
            c.write("BDAT " + (10 * MiB) + " LAST\r\n");
            c.write(content(0, 2 * MiB));
            for (long until = System.nanoTime() + 5_000_000_000L; System.nanoTime() < until; Thread.sleep(10)) {
                try (var files = Files.list(spill)) {
                    if (files.findAny().isPresent()) break;
                }
            }
            try (var files = Files.list(spill)) {
                assertThat(files).hasSize(1);
            }
        }
        awaitEmpty(spill);
        assertThat(proxy.downstream.messages).isEmpty();
    }

    @Test
    void aDiskThatFailsMeansTryAgainLaterAndTheSessionGoesOn() throws Exception {
        Path gone = Files.createDirectory(spill.resolve("gone"));
        start(1024, gone, "");
        Files.delete(gone); // after the policy was checked: the disk fails later
        try (var c = proxy.client().transaction()) {
            assertThat(c.command("DATA")).startsWith("354");
            c.write(new Stuffing().apply(content(0, 100_000)));
            c.write(".\r\n");
            assertThat(c.last()).isEqualTo("451 4.3.0 Error: the message could not be held, try again later");
            assertThat(c.command("MAIL FROM:<a@test.invalid>")).startsWith("250");
        }
        assertThat(proxy.downstream.messages).isEmpty();
    }

    @Test
    void spillSettingsAreCheckedWhenThePolicyIsLoaded() {
        PolicyLoader loader = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC());
        String base = "listen:\n  - smtp: inet:127.0.0.1:0\n    downstream: inet:127.0.0.1:25\n";
        assertThatThrownBy(() -> loader.parse("spill.yaml", base + "    spillDirectory: " + spill.resolve("nope") + "\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("spill.yaml:4:21").hasMessageContaining("not a writable directory");
        assertThatThrownBy(() -> loader.parse("spill.yaml", base + "    spillThreshold: 2GiB\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("spillThreshold must be 0..1GiB");
        var settings = loader.parse("spill.yaml", base).listeners().get(0).smtp();
        assertThat(settings.spillThreshold()).isEqualTo(1L << 20);
        assertThat(settings.spillDirectory()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")));
    }
}
