// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.nio.file.Path;

/**
 * Where a listener binds, in Postfix syntax ({@code inet:127.0.0.1:8899}, {@code inet:[::1]:8899},
 * {@code unix:/run/mailgate/milter.sock}) or libmilter syntax ({@code inet:8899@127.0.0.1},
 * {@code inet6:8899@::1}, {@code local:/path}).
 */
public record ListenAddress(String host, int port, Path path) {

    public boolean isUnix() {
        return path != null;
    }

    public static ListenAddress parse(String text) {
        String t = text.strip();
        int colon = t.indexOf(':');
        if (colon < 0) throw new IllegalArgumentException("'" + text + "' is not inet:host:port or unix:/path");
        String kind = t.substring(0, colon);
        String rest = t.substring(colon + 1);
        switch (kind) {
            case "unix", "local" -> {
                if (!rest.startsWith("/")) throw new IllegalArgumentException("'" + text + "': the socket path must be absolute");
                return new ListenAddress(null, 0, Path.of(rest));
            }
            case "inet", "inet6" -> {
                String host;
                String port;
                int at = rest.indexOf('@');
                if (at >= 0) { // libmilter: port@host
                    port = rest.substring(0, at);
                    host = rest.substring(at + 1);
                } else {
                    int last = rest.lastIndexOf(':');
                    if (last < 0) throw new IllegalArgumentException("'" + text + "' has no port");
                    host = rest.substring(0, last);
                    port = rest.substring(last + 1);
                }
                if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
                if (host.isEmpty()) host = kind.equals("inet6") ? "::" : "0.0.0.0";
                int p;
                try {
                    p = Integer.parseInt(port);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + text + "': port '" + port + "' is not a number");
                }
                if (p < 0 || p > 65535) throw new IllegalArgumentException("'" + text + "': port out of range");
                return new ListenAddress(host, p, null);
            }
            default -> throw new IllegalArgumentException("'" + text + "': unknown socket type '" + kind + "' (inet, inet6, unix, local)");
        }
    }

    @Override
    public String toString() {
        return isUnix() ? "unix:" + path : "inet:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
