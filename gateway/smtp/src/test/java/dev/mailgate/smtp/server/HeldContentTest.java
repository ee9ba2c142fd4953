// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HeldContent} without a network: what stays in memory while a large message is appended
 * at full speed (the caller plays the event loop and honours the backlog), that the spilled file
 * is owner-only and gives back exactly what was appended, and that it is gone after release.
 */
class HeldContentTest {
    @TempDir
    Path dir;
    final ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;

    /** Deterministic content: 8-bit octets, dots and CRLFs included. */
    static byte octet(long i) {
        return (byte) (i * 31 + (i >>> 13));
    }

    @Test
    void fiftyMegabytesKeepOnlyTheThresholdAndTheBacklogInMemory() throws Exception {
        long total = 50L << 20;
        long threshold = 256 << 10;
        Semaphore drained = new Semaphore(0);
        Backlog backlog = new Backlog(Runnable::run, drained::release);
        HeldContent held = new HeldContent(alloc, threshold, dir, backlog);
        MessageDigest in = MessageDigest.getInstance("SHA-256");
        String perms = null;
        for (long at = 0; at < total; ) {
            int n = (int) Math.min(64 * 1024, total - at);
            byte[] octets = new byte[n];
            for (int i = 0; i < n; i++) octets[i] = octet(at + i);
            in.update(octets);
            ByteBuf piece = alloc.buffer(n).writeBytes(octets);
            held.append(piece);
            piece.release();
            at += n;
            while (backlog.full()) drained.acquire(); // the session stops reading here
            if (perms == null && held.file() != null && Files.exists(held.file())) {
                perms = PosixFilePermissions.toString(Files.getPosixFilePermissions(held.file()));
            }
        }
        assertThat(held.size()).isEqualTo(total);
        assertThat(held.memoryBytes()).isZero();
        assertThat(held.peakMemoryBytes()).isLessThanOrEqualTo(threshold + Backlog.HIGH + 64 * 1024).isGreaterThan(threshold);
        assertThat(perms).isEqualTo("rw-------");
        assertThat(held.settled().get()).isNull();

        MessageDigest out = MessageDigest.getInstance("SHA-256");
        long[] copied = {0};
        held.copy(0, total, piece -> {
            assertThat(piece.readableBytes()).isLessThanOrEqualTo(HeldContent.PIECE);
            byte[] octets = new byte[piece.readableBytes()];
            piece.readBytes(octets);
            copied[0] += octets.length;
            out.update(octets);
            piece.release();
        });
        assertThat(copied[0]).isEqualTo(total);
        assertThat(out.digest()).isEqualTo(in.digest());

        Path file = held.file();
        held.release();
        awaitGone(file);
    }

    @Test
    void belowTheThresholdNothingTouchesTheDisk() throws Exception {
        HeldContent held = new HeldContent(alloc, 1024, dir, new Backlog(Runnable::run, () -> { }));
        ByteBuf piece = alloc.buffer().writeBytes("0123456789".repeat(102).getBytes());
        held.append(piece);
        piece.release();
        assertThat(held.file()).isNull();
        assertThat(held.memoryBytes()).isEqualTo(1020);
        ByteArrayOutputStream back = new ByteArrayOutputStream();
        held.copy(5, 15, p -> {
            byte[] b = new byte[p.readableBytes()];
            p.readBytes(b);
            back.writeBytes(b);
            p.release();
        });
        assertThat(back.toString()).isEqualTo("5678901234");
        held.release();
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void anUnusableDirectoryIsReportedNotThrownAtTheClient() throws Exception {
        Path gone = dir.resolve("gone");
        HeldContent held = new HeldContent(alloc, 0, gone, new Backlog(Runnable::run, () -> { }));
        ByteBuf piece = alloc.buffer().writeBytes(new byte[] {'x'});
        held.append(piece);
        piece.release();
        assertThat(held.settled().get()).isNotNull().hasMessageContaining("gone");
        held.release();
    }

    static void awaitGone(Path file) throws InterruptedException {
        for (long until = System.nanoTime() + 5_000_000_000L; Files.exists(file) && System.nanoTime() < until; ) Thread.sleep(10);
        assertThat(file).doesNotExist();
    }
}
