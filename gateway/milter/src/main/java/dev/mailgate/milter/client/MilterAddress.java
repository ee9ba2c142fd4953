// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a milter listens: TCP {@code host:port} or a Unix domain socket path. Parses the Postfix
 * syntax {@code inet:host:port}, {@code inet:[ipv6]:port}, {@code unix:/path} and the libmilter /
 * Sendmail syntax {@code inet:port@host}, {@code inet6:port@host}, {@code local:/path}.
 *
 * @param host     host name or IP literal (no brackets); null for a Unix socket
 * @param port     TCP port; 0 for a Unix socket
 * @param unixPath socket path; null for TCP
 */
public record MilterAddress(String host, int port, Path unixPath) {
    public MilterAddress {
        if (unixPath == null) {
            Objects.requireNonNull(host, "host");
            if (port < 1 || port > 0xFFFF) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        } else if (host != null || port != 0) {
            throw new IllegalArgumentException("a Unix socket address has no host or port");
        }
    }

    /** A TCP address. */
    public static MilterAddress inet(String host, int port) {
        return new MilterAddress(host, port, null);
    }

    /** A Unix domain socket address. */
    public static MilterAddress unix(Path path) {
        return new MilterAddress(null, 0, Objects.requireNonNull(path, "path"));
    }

    /** Whether this is a Unix domain socket. */
    public boolean isUnix() {
        return unixPath != null;
    }

    /** Parses one of the supported notations; throws {@link IllegalArgumentException} otherwise. */
    public static MilterAddress parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("milter address '" + spec + "' has no type prefix (inet:, unix:, ...)");
        }
        String type = spec.substring(0, colon);
        String rest = spec.substring(colon + 1);
        switch (type) {
            case "unix", "local" -> {
                if (rest.isEmpty()) {
                    throw new IllegalArgumentException("milter address '" + spec + "' has an empty path");
                }
                return unix(Path.of(rest));
            }
            case "inet", "inet6" -> {
                int at = rest.indexOf('@');
                if (at >= 0) {
                    return inet(unbracket(rest.substring(at + 1)), port(rest.substring(0, at), spec));
                }
                int last = rest.lastIndexOf(':');
                if (last <= 0) {
                    throw new IllegalArgumentException("milter address '" + spec + "' is not inet:host:port");
                }
                return inet(unbracket(rest.substring(0, last)), port(rest.substring(last + 1), spec));
            }
            default -> throw new IllegalArgumentException("milter address type '" + type + "' is not inet, inet6, unix or local");
        }
    }

    private static String unbracket(String host) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("empty host");
        }
        return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
    }

    private static int port(String s, String spec) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("milter address '" + spec + "' has no numeric port", e);
        }
    }

    /** The Postfix notation. */
    @Override
    public String toString() {
        if (isUnix()) {
            return "unix:" + unixPath;
        }
        return "inet:" + (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
