// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code maxConnectionsPerIp} over loopback: the connection past the limit gets 421 4.7.0 and is
 * closed, other addresses are not affected, and a slot is free again once a connection ends.
 */
class ConnectionLimitTest {
    ProxyHarness proxy;
    final List<ProxyHarness.Client> open = new ArrayList<>();

    @AfterEach
    void stop() throws Exception {
        for (var c : open) c.close();
        if (proxy != null) proxy.close();
    }

    /** A client whose connection comes from {@code source} (any 127/8 address is loopback on Linux). */
    private ProxyHarness.Client from(String source) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), proxy.port));
        var c = new ProxyHarness.Client(s);
        open.add(c);
        return c;
    }

    @Test
    void theConnectionPastTheLimitIsRefusedUntilOneEnds() throws Exception {
        proxy = new ProxyHarness("    maxConnectionsPerIp: 2\n", "");
        var first = from("127.0.0.1");
        var second = from("127.0.0.1");
        assertThat(first.last()).startsWith("220 ");
        assertThat(second.last()).startsWith("220 ");

        var third = from("127.0.0.1");
        assertThat(third.last()).isEqualTo("421 4.7.0 proxy.test.invalid Error: too many connections from 127.0.0.1");
        assertThat(third.line()).isNull(); // and closed
        assertThat(proxy.pipeline.metrics().connectionsRefused("smtp", "per_ip_limit")).isEqualTo(1);
        // the limit is per address: another client is not affected
        assertThat(from("127.0.0.2").last()).startsWith("220 ");
        // the first two still work
        assertThat(first.command("NOOP")).isEqualTo("250 2.0.0 Ok");

        assertThat(first.command("QUIT")).startsWith("221 ");
        assertThat(first.line()).isNull();
        // the proxy notices the close on its event loop, a moment after the client does
        String greeting = null;
        for (long until = System.nanoTime() + 5_000_000_000L; System.nanoTime() < until; Thread.sleep(20)) {
            greeting = from("127.0.0.1").last();
            if (greeting.startsWith("220 ")) break;
        }
        assertThat(greeting).startsWith("220 ");
        // and the slot it took is the last one again
        assertThat(from("127.0.0.1").last()).startsWith("421 4.7.0");
        assertThat(second.command("NOOP")).isEqualTo("250 2.0.0 Ok");
    }

    @Test
    void zeroMeansNoLimit() throws Exception {
        proxy = new ProxyHarness("", "");
        for (int i = 0; i < 12; i++) assertThat(from("127.0.0.1").last()).startsWith("220 ");
    }
}
