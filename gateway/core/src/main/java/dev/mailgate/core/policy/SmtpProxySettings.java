// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one SMTP proxy listener ({@code - smtp: inet:host:port} in {@code listen:}).
 *
 * @param downstream          the MTA every client session is relayed to ({@code inet:host:port})
 * @param xclient             send Postfix XCLIENT so the downstream sees the real client
 * @param hostname            our name in the greeting and EHLO reply
 * @param greeting            text after "220 " (default: hostname + " ESMTP")
 * @param maxLineLength       longest command line accepted, CRLF included (RFC 5321: at least 512)
 * @param maxDataSize         largest message accepted and advertised as SIZE (bytes)
 * @param maxConnectionsPerIp concurrent sessions allowed per client address (0 = no limit)
 * @param commandTimeout      client idle time allowed between commands (RFC 5321 4.5.3.2.7: 5 min)
 * @param dataTimeout         client idle time allowed inside DATA (RFC 5321 4.5.3.2.6: 3 min per block)
 * @param downstreamTimeout   longest wait for a downstream reply before the client gets 451/421
 * @param tlsCertificate      PEM certificate (chain) offered after STARTTLS, or null: no STARTTLS
 * @param tlsKey              PEM private key of {@code tlsCertificate} (PKCS#8, or PKCS#1 RSA / SEC1 EC), or null
 * @param downstreamTls       STARTTLS towards the downstream: never, when offered, or required
 * @param proxyProtocol       every connection starts with a HAProxy PROXY protocol v1 or v2 header
 *                            (from a load balancer); the client's address and port come from it
 * @param auth                what happens to the client's AUTH: refused (502), or relayed to the downstream
 * @param authTlsOnly         with {@code auth: passthrough}, AUTH is offered and accepted only on a
 *                            client connection encrypted with STARTTLS (Postfix's smtpd_tls_auth_only)
 * @param downstreamVerifyCert    default of {@code verifyCert}: the downstream's certificate chain must
 *                                verify against {@code downstreamCaFile} or the JDK's trust store
 * @param downstreamCheckCertName default of {@code checkCertName}: the downstream's certificate must
 *                                name the next hop (implies verification of the chain)
 * @param downstreamCaFile    PEM file of the CAs trusted for the downstream's certificate, or null
 *                            for the JDK's trust store
 * @param spillThreshold      bytes of a message held in memory until the verdict; above, the message
 *                            moves to a temp file (0 = always on disk)
 * @param spillDirectory      where those temp files are created (owner-only, deleted when the message ends)
 */
public record SmtpProxySettings(ListenAddress downstream, boolean xclient, String hostname, String greeting,
                                int maxLineLength, long maxDataSize, int maxConnectionsPerIp,
                                Duration commandTimeout, Duration dataTimeout, Duration downstreamTimeout,
                                java.nio.file.Path tlsCertificate, java.nio.file.Path tlsKey, DownstreamTls downstreamTls,
                                boolean proxyProtocol, Auth auth, boolean authTlsOnly,
                                boolean downstreamVerifyCert, boolean downstreamCheckCertName, java.nio.file.Path downstreamCaFile,
                                long spillThreshold, java.nio.file.Path spillDirectory) {
    public static final int DEFAULT_MAX_LINE = 2048;
    public static final long DEFAULT_MAX_DATA = 25L << 20;
    public static final long DEFAULT_SPILL_THRESHOLD = 1L << 20;
    /** The held part of a message is one Netty buffer, whose size is an int. */
    public static final long MAX_SPILL_THRESHOLD = 1L << 30;

    public SmtpProxySettings {
        Objects.requireNonNull(downstream, "downstream");
        if (downstream.isUnix()) throw new IllegalArgumentException("the downstream must be inet:host:port");
        if (maxLineLength < 512 || maxLineLength > 65536) throw new IllegalArgumentException("maxLineLength must be 512..65536");
        if (maxDataSize < 1024) throw new IllegalArgumentException("maxDataSize must be at least 1KiB");
        if (hostname == null || hostname.isBlank() || !hostname.matches("[A-Za-z0-9.\\-\\[\\]:]+")) {
            throw new IllegalArgumentException("hostname '" + hostname + "' is not a host name");
        }
        if (greeting == null || greeting.isBlank()) greeting = hostname + " ESMTP";
        if (downstreamTls == null) downstreamTls = DownstreamTls.NONE;
        if (auth == null) auth = Auth.REFUSE;
        if ((tlsCertificate == null) != (tlsKey == null)) throw new IllegalArgumentException("tlsCertificate and tlsKey go together");
        if (greeting.indexOf('\r') >= 0 || greeting.indexOf('\n') >= 0) throw new IllegalArgumentException("greeting must be one line");
        if (spillThreshold < 0 || spillThreshold > MAX_SPILL_THRESHOLD) throw new IllegalArgumentException("spillThreshold must be 0..1GiB");
        if (spillDirectory == null) spillDirectory = defaultSpillDirectory();
    }

    /** The defaults for a downstream, as the proxy uses them when a listener names nothing else. */
    public static SmtpProxySettings of(ListenAddress downstream) {
        return new SmtpProxySettings(downstream, true, defaultHostname(), null, DEFAULT_MAX_LINE, DEFAULT_MAX_DATA, 0,
                Duration.ofMinutes(5), Duration.ofMinutes(3), Duration.ofMinutes(5), null, null, DownstreamTls.NONE, false,
                Auth.REFUSE, true, false, false, null,

                DEFAULT_SPILL_THRESHOLD, defaultSpillDirectory());
    }

    static java.nio.file.Path defaultSpillDirectory() {
        return java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
    }

    /**
     * STARTTLS to the downstream MTA (the defaults of onRelay's {@code tryTLS} and {@code forceTLS}).
     * Like Postfix's {@code smtp_tls_security_level} "may" and "encrypt", the downstream's
     * certificate is not verified unless {@code downstreamVerifyCert} / {@code downstreamCheckCertName}
     * (or onRelay's {@code verifyCert} / {@code checkCertName}) ask for it: on a loopback or private
     * link the point is that the message is not readable on the wire, not who holds the key.
     */
    public enum DownstreamTls {
        /** Never: plain text to the downstream. */
        NONE,
        /** When the downstream offers STARTTLS; plain text otherwise. */
        MAY,
        /** Always: a downstream without STARTTLS, or whose handshake fails, gets no mail (421 to the client). */
        REQUIRE
    }

    /** The client's AUTH command. */
    public enum Auth {
        /** 502, as if the proxy knew no AUTH: the default, since the proxy itself checks no password. */
        REFUSE,
        /**
         * The downstream's AUTH mechanisms are advertised and the exchange is relayed to it line by
         * line; its 235 records the login ({@code authUser}, {@code {auth_authen}}).
         */
        PASSTHROUGH
    }

    /** True when the listener offers STARTTLS to its clients. */
    public boolean tls() {
        return tlsCertificate != null;
    }

    static String defaultHostname() {
        // the kernel's name, not a DNS lookup: a policy must load offline
        try {
            String h = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname")).strip();
            return h.matches("[A-Za-z0-9.\\-]+") ? h : "localhost";
        } catch (java.io.IOException | RuntimeException e) {
            return "localhost";
        }
    }
}
