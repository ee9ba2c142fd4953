// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a scanner listens, written as mail administrators write it: {@code unix:/run/clamav/clamd.ctl}
 * (also {@code local:} or a bare absolute path), {@code inet:127.0.0.1:3310}, {@code inet:3310@127.0.0.1}
 * (libmilter), {@code 127.0.0.1:3310} or {@code [::1]:783}. Parsing never resolves or connects, so a
 * policy loads while its scanners are down.
 *
 * @param text the address as configured (for log lines)
 */
public record ScannerAddress(String text, String host, int port, Path unixPath) {
    private static final Pattern HOST_PORT = Pattern.compile("(?:\\[([^\\]]+)]|([^:\\[\\]]+)):(\\d{1,5})");
    private static final Pattern PORT_AT_HOST = Pattern.compile("(\\d{1,5})@(.+)");

    /**
     * Parses an address; a TCP address without a port gets {@code defaultPort}.
     *
     * @throws IllegalArgumentException saying what is wrong
     */
    public static ScannerAddress parse(String text, int defaultPort) {
        String s = text == null ? "" : text.strip();
        if (s.isEmpty()) throw new IllegalArgumentException("an address is required (unix:/path or inet:host:port)");
        if (s.startsWith("unix:") || s.startsWith("local:")) {
            String p = s.substring(s.indexOf(':') + 1);
            if (!p.startsWith("/")) throw new IllegalArgumentException("a unix socket path must be absolute: '" + text + "'");
            return new ScannerAddress(s, null, 0, Path.of(p));
        }
        if (s.startsWith("/")) return new ScannerAddress(s, null, 0, Path.of(s));
        String rest = s.startsWith("inet:") ? s.substring(5) : s.startsWith("inet6:") ? s.substring(6) : s;
        Matcher at = PORT_AT_HOST.matcher(rest);
        if (at.matches()) return tcp(s, at.group(2), at.group(1));
        Matcher hp = HOST_PORT.matcher(rest);
        if (hp.matches()) return tcp(s, hp.group(1) != null ? hp.group(1) : hp.group(2), hp.group(3));
        if (rest.matches("[A-Za-z0-9.\\-]+") && defaultPort > 0) return new ScannerAddress(s, rest, defaultPort, null);
        throw new IllegalArgumentException("'" + text + "' is not an address (unix:/path, inet:host:port or host:port)");
    }

    private static ScannerAddress tcp(String text, String host, String port) {
        int p = Integer.parseInt(port);
        if (p < 1 || p > 65535) throw new IllegalArgumentException("port " + p + " out of range in '" + text + "'");
        return new ScannerAddress(text, host, p, null);
    }

    public boolean isUnix() {
        return unixPath != null;
    }

    /** The socket address (resolving the host name, if any, now). */
    public SocketAddress socketAddress() {
        return isUnix() ? UnixDomainSocketAddress.of(unixPath) : new InetSocketAddress(host, port);
    }

    /**
     * A new, unconnected blocking channel of the right family. Connect it under a
     * {@link Watchdog} deadline: a blocking connect has no timeout of its own.
     */
    public SocketChannel newChannel() throws IOException {
        return isUnix() ? SocketChannel.open(StandardProtocolFamily.UNIX) : SocketChannel.open();
    }

    @Override
    public String toString() {
        return text;
    }
}
