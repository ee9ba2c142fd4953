// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.time.Duration;

/**
 * One blocking connection to a scanner (TCP or unix socket) with byte streams. Interrupting the
 * calling thread (the chain's deadline does) closes it at once; {@link #during} adds the filter's
 * own I/O deadline.
 */
public final class ScannerConnection implements Closeable {
    private final ScannerAddress address;
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;
    private long lastUsed = System.nanoTime();

    private ScannerConnection(ScannerAddress address, SocketChannel channel) {
        this.address = address;
        this.channel = channel;
        this.in = Channels.newInputStream(channel);
        this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 64 * 1024);
    }

    /** Connects within {@code timeout} (null: until the chain's deadline). */
    public static ScannerConnection open(ScannerAddress address, Duration timeout, String what) throws IOException {
        SocketChannel ch = address.newChannel();
        try (Watchdog.Alarm alarm = Watchdog.arm(timeout, ch)) {
            try {
                ch.connect(address.socketAddress());
            } catch (IOException e) {
                ch.close();
                throw failure(what + " at " + address + ": cannot connect", alarm, e);
            }
        }
        return new ScannerConnection(address, ch);
    }

    /** The work, as one exchange, bounded by {@code timeout} (null: only the chain's deadline). */
    public <T> T during(Duration timeout, String what, Exchange<T> work) throws IOException {
        try (Watchdog.Alarm alarm = Watchdog.arm(timeout, channel)) {
            try {
                T t = work.run(this);
                lastUsed = System.nanoTime();
                return t;
            } catch (RuntimeException e) {
                close(); // half an exchange happened: the connection cannot be reused
                throw e;
            } catch (IOException e) {
                close();
                if ((e instanceof ScannerException || e instanceof ScannerTimeoutException) && !alarm.fired()) throw e;
                throw failure(what + " at " + address, alarm, e);
            }
        }
    }

    /** Work done on a connection. */
    @FunctionalInterface
    public interface Exchange<T> {
        T run(ScannerConnection c) throws IOException;
    }

    private static IOException failure(String what, Watchdog.Alarm alarm, IOException e) {
        if (e instanceof ClosedByInterruptException) return e; // the chain's deadline: it reports that itself
        if (alarm.fired() || e instanceof AsynchronousCloseException) {
            return new ScannerTimeoutException(what + ": no answer in time", e);
        }
        String m = e.getMessage();
        return new ScannerException(what + ": " + (m == null || m.isBlank() ? e.getClass().getSimpleName() : m), e);
    }

    public InputStream in() {
        return in;
    }

    public OutputStream out() {
        return out;
    }

    /** Flushes and half-closes: the scanner sees the end of the request, the answer can still be read. */
    public void shutdownOutput() throws IOException {
        out.flush();
        channel.shutdownOutput();
    }

    public boolean isOpen() {
        return channel.isOpen();
    }

    /** How long the connection has been idle since its last exchange. */
    public Duration idle() {
        return Duration.ofNanos(System.nanoTime() - lastUsed);
    }

    public ScannerAddress address() {
        return address;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a broken connection; nothing to report
        }
    }
}
