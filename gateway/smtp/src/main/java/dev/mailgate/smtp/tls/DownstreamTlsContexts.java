// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The client contexts for STARTTLS to the next hop, one per level of checking that onRelay may ask
 * for ({@code verifyCert}, {@code checkCertName}), built once per listener so that a session only
 * picks one. Trust comes from the listener's {@code downstreamCaFile} or, without one, the JDK's
 * trust store. The name check is the JDK's endpoint identification ("HTTPS": subjectAltName DNS
 * names with RFC 6125 wildcards, IP addresses for an IP literal, the CN only without any SAN),
 * which is what RFC 7672 and Postfix's {@code verify} level ask of a certificate name.
 */
public final class DownstreamTlsContexts {
    private final SslContext unverified;
    private final SslContext chain;
    private final SslContext chainAndName;

    private DownstreamTlsContexts(SslContext unverified, SslContext chain, SslContext chainAndName) {
        this.unverified = unverified;
        this.chain = chain;
        this.chainAndName = chainAndName;
    }

    /** @param caFile PEM file of the trusted CAs, or null for the JDK's trust store */
    public static DownstreamTlsContexts create(Path caFile) throws IOException {
        List<X509Certificate> cas = caFile == null ? null : PemTls.certificates(caFile);
        try {
            return new DownstreamTlsContexts(
                    base().trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null).build(),
                    trusting(base(), cas).endpointIdentificationAlgorithm(null).build(),
                    trusting(base(), cas).endpointIdentificationAlgorithm("HTTPS").build());
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot set up TLS to the downstream" + (caFile == null ? "" : " with CAs from " + caFile)
                    + ": " + e.getMessage(), e);
        }
    }

    private static SslContextBuilder base() {
        // TLS 1.0/1.1 are deprecated (RFC 8996)
        return SslContextBuilder.forClient().sslProvider(SslProvider.JDK).protocols("TLSv1.3", "TLSv1.2");
    }

    private static SslContextBuilder trusting(SslContextBuilder b, List<X509Certificate> cas) {
        // no trust manager set: the JDK's default one, i.e. its cacerts
        return cas == null ? b : b.trustManager(cas);
    }

    /**
     * The context for one session. A name check on a certificate nobody vouches for proves
     * nothing (anyone can sign a certificate with any name), so {@code checkCertName} verifies
     * the chain too.
     */
    public SslContext context(boolean verifyCert, boolean checkCertName) {
        if (checkCertName) return chainAndName;
        return verifyCert ? chain : unverified;
    }
}
