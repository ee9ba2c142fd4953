// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A DNS "server" that never answers: a UDP socket on 127.0.0.1 that receives queries and drops
 * them, like a list whose servers are overloaded or firewalled. Lookups sent here can only end
 * in TIMEOUT; unlike a closed port (an immediate ICMP error), it costs the whole deadline.
 */
public final class SilentDnsServer implements AutoCloseable {
    private final DatagramSocket socket;

    /** Binds a free UDP port on 127.0.0.1. */
    public SilentDnsServer() {
        try {
            socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot bind a UDP port on 127.0.0.1", e);
        }
    }

    public int port() {
        return socket.getLocalPort();
    }

    /** {@code 127.0.0.1:port}, as a {@code servers:} entry. */
    public String server() {
        return "127.0.0.1:" + port();
    }

    @Override
    public void close() {
        socket.close();
    }
}
