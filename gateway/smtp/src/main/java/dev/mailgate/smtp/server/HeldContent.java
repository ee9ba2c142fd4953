// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.ReferenceCounted;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The octets of one message as the client sent them (after DATA un-stuffing), held until the
 * verdict: in memory up to the listener's {@code spillThreshold}, then in a temp file (DESIGN §7:
 * a 50 MB message costs the same memory as a small one).
 *
 * <p>Disk writes never run on the event loop: once spilled, appended buffers are queued, in
 * order, to one virtual thread that owns the file, and counted in the message's {@link Backlog}
 * until written, so the session stops reading from the client while the disk is behind. The file
 * is created owner-only ({@code rw-------}) and deleted by the same thread after the last write,
 * when the last reference is released: when the message ends, is refused, or the connection is
 * lost, and not before a delivery that still reads it has finished (it holds a reference).
 *
 * <p>A disk error does not lose mail: it is remembered ({@link #failure()}), the rest of the
 * message is read and dropped, and the client is told to try again later.
 */
final class HeldContent extends AbstractReferenceCounted {
    private static final Logger LOG = LoggerFactory.getLogger(HeldContent.class);
    /** Largest piece handed to a {@link Sink} when the content is read back. */
    static final int PIECE = 64 * 1024;

    private final ByteBufAllocator alloc;
    private final long threshold;
    private final Path directory;
    private final Backlog backlog;
    private CompositeByteBuf memory;
    private long size;
    private long peakMemory;
    /** Created at the spill; its only thread creates, writes and deletes the file. */
    private ExecutorService io;
    private volatile Path file;
    private FileChannel channel;
    private long written;
    private volatile IOException failure;
    private volatile boolean released;

    /** Receives the content piece by piece; it owns (and releases) each piece. */
    interface Sink {
        void accept(ByteBuf piece) throws IOException;
    }

    HeldContent(ByteBufAllocator alloc, long threshold, Path directory, Backlog backlog) {
        this.alloc = alloc;
        this.threshold = threshold;
        this.directory = directory;
        this.backlog = backlog;
        this.memory = alloc.compositeBuffer(Integer.MAX_VALUE);
    }

    /** Adds the next octets; the caller keeps its reference. Event loop only. */
    void append(ByteBuf data) {
        int n = data.readableBytes();
        if (n == 0) return;
        size += n;
        if (io == null && size > threshold) spill();
        if (io == null) {
            memory.addComponent(true, data.retain());
        } else {
            queue(data.retain());
        }
        notePeak();
    }

    /** Records the memory held now (content in memory, queued writes, waiting body chunks) if it is a new peak. */
    void notePeak() {
        peakMemory = Math.max(peakMemory, memoryBytes() + backlog.bytes());
    }

    /**
     * Completes, on the file's thread, once every write queued so far is done, with the disk
     * error if one happened (null when all is well or nothing spilled).
     */
    java.util.concurrent.CompletableFuture<IOException> settled() {
        if (io == null) return java.util.concurrent.CompletableFuture.completedFuture(null);
        return java.util.concurrent.CompletableFuture.supplyAsync(() -> failure, io);
    }

    long size() {
        return size;
    }

    /** Octets held on the heap or in direct memory right now (not counting queued writes). */
    long memoryBytes() {
        return memory == null ? 0 : memory.readableBytes();
    }

    /** The most octets this message ever held in memory at once, queued writes and body chunks included. */
    long peakMemoryBytes() {
        return peakMemory;
    }

    /** The temp file once the content spilled (it may not exist yet, or any more), else null. */
    Path file() {
        return file;
    }

    /** Why the content could not be written to disk, or null. */
    IOException failure() {
        return failure;
    }

    private void spill() {
        io = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("mailgate-spill-", 0).factory());
        io.execute(this::create);
        ByteBuf held = memory;
        memory = null;
        queue(held);
    }

    private void create() {
        try {
            Path f = Files.createTempFile(directory, "mailgate-smtp-", ".msg", ownerOnly());
            file = f;
            channel = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
            LOG.debug("message larger than {} bytes, held in {}", threshold, f);
        } catch (IOException | RuntimeException e) {
            failure = e instanceof IOException io ? io : new IOException(e);
            LOG.error("cannot create a temp file in {} for a message larger than {} bytes (spillThreshold); "
                    + "the client will be told to try again later: {}", directory, threshold, e.toString());
        }
    }

    private static FileAttribute<?>[] ownerOnly() {
        if (!FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) return new FileAttribute<?>[0];
        return new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
    }

    /** Hands {@code b} (owned) to the file's thread, in order. */
    private void queue(ByteBuf b) {
        int n = b.readableBytes();
        backlog.add(n);
        io.execute(() -> {
            try {
                if (!released && failure == null && channel != null) write(b);
            } catch (IOException e) {
                failure = e;
                LOG.error("cannot write a held message to {}; the client will be told to try again later: {}", file, e.toString());
            } finally {
                b.release();
                backlog.done(n);
            }
        });
    }

    private void write(ByteBuf b) throws IOException {
        int at = b.readerIndex();
        int end = b.writerIndex();
        while (at < end) {
            int w = b.getBytes(at, channel, written, end - at);
            at += w;
            written += w;
        }
    }

    /**
     * Reads octets {@code [from, to)} into {@code sink}, at most {@link #PIECE} at a time, each
     * read after the sink took the previous one. Blocks: call it on a virtual thread, once the
     * message is complete, holding a reference.
     */
    void copy(long from, long to, Sink sink) throws IOException, InterruptedException {
        if (io == null) {
            for (long at = from; at < to; ) {
                int n = (int) Math.min(PIECE, to - at);
                sink.accept(memory.retainedSlice((int) at, n));
                at += n;
            }
            return;
        }
        awaitWrites();
        for (long at = from; at < to; ) {
            int n = (int) Math.min(PIECE, to - at);
            ByteBuf piece = alloc.buffer(n);
            try {
                while (piece.readableBytes() < n) {
                    long pos = at + piece.readableBytes();
                    if (piece.writeBytes(channel, pos, n - piece.readableBytes()) < 0) {
                        throw new IOException(file + " ended at " + pos + " of " + size + " bytes");
                    }
                }
            } catch (IOException | RuntimeException e) {
                piece.release();
                throw e;
            }
            sink.accept(piece);
            at += n;
        }
    }

    /** Waits until every queued write is on disk; throws the disk's error if there was one. */
    private void awaitWrites() throws IOException, InterruptedException {
        try {
            io.submit(() -> null).get();
        } catch (ExecutionException e) {
            throw new IOException(e.getCause());
        }
        if (failure != null) throw failure;
    }

    @Override
    protected void deallocate() {
        released = true;
        if (memory != null) {
            memory.release();
            memory = null;
        }
        if (io != null) {
            // after the queued writes, which then skip their work: the file is gone once they are
            io.execute(this::delete);
            io.shutdown();
        }
    }

    private void delete() {
        try {
            if (channel != null) channel.close();
            if (file != null) Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.error("cannot delete the held message {}: {}", file, e.toString());
        }
    }

    @Override
    public ReferenceCounted touch(Object hint) {
        return this;
    }
}
