// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.clamd;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An in-process stand-in for clamd speaking zINSTREAM and zIDSESSION, for unit tests only (the
 * integration tests run the real clamd). It records every stream and the largest chunk, and
 * reports "FOUND" for streams containing {@link #SIGNATURE}.
 */
final class FakeClamd implements AutoCloseable {
    static final String SIGNATURE = "FAKE-VIRUS-MARKER";

    enum Mode { NORMAL, HANG, CLOSE_IDLE_SESSIONS, SIZE_LIMIT }

    final List<byte[]> streams = new CopyOnWriteArrayList<>();
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger largestChunk = new AtomicInteger();
    volatile Mode mode = Mode.NORMAL;
    /** False: keep only the size and a digest of each stream (for messages too large to keep). */
    volatile boolean keepStreams = true;
    final List<Long> sizes = new CopyOnWriteArrayList<>();
    final List<String> digests = new CopyOnWriteArrayList<>();
    private final ServerSocketChannel server;
    private final Path socketFile;
    private final Thread acceptor;

    private FakeClamd(ServerSocketChannel server, Path socketFile) {
        this.server = server;
        this.socketFile = socketFile;
        this.acceptor = Thread.ofVirtual().start(this::acceptLoop);
    }

    static FakeClamd tcp() throws IOException {
        ServerSocketChannel s = ServerSocketChannel.open();
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        return new FakeClamd(s, null);
    }

    static FakeClamd unix(Path dir) throws IOException {
        Path file = dir.resolve("clamd.sock");
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        s.bind(UnixDomainSocketAddress.of(file));
        return new FakeClamd(s, file);
    }

    String address() throws IOException {
        if (socketFile != null) return "unix:" + socketFile;
        return "inet:127.0.0.1:" + ((InetSocketAddress) server.getLocalAddress()).getPort();
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel c = server.accept();
                connections.incrementAndGet();
                Thread.ofVirtual().start(() -> serve(c));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(SocketChannel ch) {
        try (ch) {
            DataInputStream in = new DataInputStream(Channels.newInputStream(ch));
            OutputStream out = Channels.newOutputStream(ch);
            boolean session = false;
            int request = 0;
            while (true) {
                String cmd = readCommand(in);
                if (cmd == null) return;
                switch (cmd) {
                    case "zIDSESSION" -> session = true;
                    case "zEND" -> { return; }
                    case "zINSTREAM" -> {
                        request++;
                        boolean infected;
                        if (keepStreams) {
                            byte[] data = readStream(in);
                            streams.add(data);
                            infected = new String(data, StandardCharsets.ISO_8859_1).contains(SIGNATURE);
                        } else {
                            infected = false;
                            countStream(in);
                        }
                        if (mode == Mode.HANG) {
                            Thread.sleep(60_000);
                            return;
                        }
                        String answer = mode == Mode.SIZE_LIMIT ? "INSTREAM size limit exceeded. ERROR"
                                : infected ? "stream: Fake.Test-Signature FOUND" : "stream: OK";
                        out.write(((session ? request + ": " : "") + answer + "\0").getBytes(StandardCharsets.US_ASCII));
                        if (!session || mode == Mode.CLOSE_IDLE_SESSIONS) return;
                    }
                    default -> {
                        out.write(("UNKNOWN COMMAND\0").getBytes(StandardCharsets.US_ASCII));
                        return;
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // client went away
        }
    }

    private static String readCommand(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int x = in.read();
            if (x < 0) return b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
            if (x == 0) return b.toString(StandardCharsets.US_ASCII);
            b.write(x);
        }
    }

    private byte[] readStream(DataInputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            int n;
            try {
                n = in.readInt();
            } catch (EOFException e) {
                throw e;
            }
            if (n == 0) return b.toByteArray();
            largestChunk.accumulateAndGet(n, Math::max);
            b.write(in.readNBytes(n));
        }
    }

    private void countStream(DataInputStream in) throws IOException {
        java.security.MessageDigest md;
        try {
            md = java.security.MessageDigest.getInstance("SHA-256");
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        long total = 0;
        byte[] buf = new byte[65536];
        while (true) {
            int n = in.readInt();
            if (n == 0) break;
            largestChunk.accumulateAndGet(n, Math::max);
            for (int left = n; left > 0; ) {
                int r = in.read(buf, 0, Math.min(left, buf.length));
                if (r < 0) throw new EOFException();
                md.update(buf, 0, r);
                left -= r;
                total += r;
            }
        }
        sizes.add(total);
        digests.add(java.util.HexFormat.of().formatHex(md.digest()));
    }

    @Override
    public void close() throws IOException {
        server.close();
        acceptor.interrupt();
        if (socketFile != null) Files.deleteIfExists(socketFile);
    }
}
