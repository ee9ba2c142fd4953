// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * The server-side TLS context of an SMTP listener, from PEM files. Bouncy Castle only parses the
 * PEM: the JDK reads PKCS#8 keys alone, but operators mostly hold what openssl and certbot write,
 * PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code EC PRIVATE KEY}) included. The keys are then
 * handed to the JDK's own providers, and the handshake runs on the JDK's SSLEngine.
 */
public final class PemTls {
    private PemTls() {}

    /** A server context for {@code certificate} (leaf first, then any chain) and its {@code key}. */
    public static SslContext serverContext(Path certificate, Path key) throws IOException {
        List<X509Certificate> chain = certificates(certificate);
        PrivateKey privateKey = privateKey(key);
        try {
            return SslContextBuilder.forServer(privateKey, chain)
                    .sslProvider(SslProvider.JDK)
                    // TLS 1.0/1.1 are deprecated (RFC 8996)
                    .protocols("TLSv1.3", "TLSv1.2")
                    .build();
        } catch (IOException | RuntimeException e) {
            throw new IOException("cannot use " + certificate + " with " + key + ": " + e.getMessage(), e);
        }
    }

    /** Every certificate in a PEM file, in file order. */
    public static List<X509Certificate> certificates(Path file) throws IOException {
        List<X509Certificate> out = new ArrayList<>();
        var converter = new JcaX509CertificateConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof X509CertificateHolder h) out.add(converter.getCertificate(h));
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IOException(file + " holds an invalid certificate: " + e.getMessage(), e);
        }
        if (out.isEmpty()) throw new IOException(file + " holds no PEM certificate");
        return out;
    }

    /** The first private key in a PEM file: PKCS#8, PKCS#1 RSA or SEC1 EC, unencrypted. */
    public static PrivateKey privateKey(Path file) throws IOException {
        var converter = new JcaPEMKeyConverter();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.US_ASCII); PEMParser p = new PEMParser(r)) {
            for (Object o = p.readObject(); o != null; o = p.readObject()) {
                if (o instanceof PrivateKeyInfo info) return converter.getPrivateKey(info);
                if (o instanceof PEMKeyPair pair) return converter.getKeyPair(pair).getPrivate();
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " holds an invalid private key: " + e.getMessage(), e);
        }
        throw new IOException(file + " holds no unencrypted PEM private key");
    }
}
