// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A test certificate written as PEM: self-signed, or a test CA ({@link #authority}) and the
 * server certificates it issues ({@link #issue}); and contexts that present or trust it.
 */
record TestCertificate(X509Certificate certificate, java.security.PrivateKey key, Path certFile, Path keyFile) {

    /** A CA certificate (basicConstraints CA, keyCertSign) named {@code CN=<name>}, files {@code <name>-ca.pem}. */
    static TestCertificate authority(Path dir, String name) throws Exception {
        KeyPair pair = rsa();
        X500Name subject = new X500Name("CN=" + name);
        var builder = builder(subject, subject, pair)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return write(dir, name + "-ca", builder, pair, pair.getPrivate());
    }

    /**
     * A server certificate signed by this CA for {@code CN=<cn>}, its subjectAltNames the
     * {@code dnsNames} and {@code ipAddresses}; files {@code <cn>.pem} and {@code <cn>-key.pem}.
     */
    TestCertificate issue(Path dir, String cn, List<String> dnsNames, List<String> ipAddresses) throws Exception {
        KeyPair pair = rsa();
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        ipAddresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        var builder = builder(new X500Name(certificate.getSubjectX500Principal().getName()), new X500Name("CN=" + cn), pair)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        if (!names.isEmpty()) builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
        return write(dir, cn, builder, pair, key);
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static JcaX509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair pair) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(2))), subject, pair.getPublic());
    }

    private static TestCertificate write(Path dir, String base, org.bouncycastle.cert.X509v3CertificateBuilder builder, KeyPair pair,
                                         java.security.PrivateKey signer) throws Exception {
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(signer)));
        Path certFile = dir.resolve(base + ".pem");
        Path keyFile = dir.resolve(base + "-key.pem");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, pem(new JcaPKCS8Generator(pair.getPrivate(), null)));
        return new TestCertificate(cert, pair.getPrivate(), certFile, keyFile);
    }

    /** @param pkcs8 write the key as PKCS#8 ("PRIVATE KEY"); otherwise the traditional form (PKCS#1 / SEC1) */
    static TestCertificate create(Path dir, String algorithm, boolean pkcs8) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        g.initialize(algorithm.equals("EC") ? 256 : 2048);
        KeyPair pair = g.generateKeyPair();
        X500Name name = new X500Name("CN=localhost");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(name, BigInteger.valueOf(now.toEpochMilli()), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(2))), name, pair.getPublic());
        var signer = new JcaContentSignerBuilder(algorithm.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA").build(pair.getPrivate());
        X509Certificate cert = new JcaX509CertificateConverter().getCertificate(builder.build(signer));
        Path certFile = dir.resolve(algorithm.toLowerCase() + "-cert.pem");
        Path keyFile = dir.resolve(algorithm.toLowerCase() + (pkcs8 ? "-pkcs8" : "-traditional") + "-key.pem");
        Files.writeString(certFile, pem(cert));
        Files.writeString(keyFile, pem(pkcs8 ? new JcaPKCS8Generator(pair.getPrivate(), null) : pair.getPrivate()));
        return new TestCertificate(cert, pair.getPrivate(), certFile, keyFile);
    }

    private static String pem(Object o) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(out)) {
            w.writeObject(o);
        }
        return out.toString();
    }

    /** A server context presenting this certificate (for a TLS-capable fake downstream). */
    SSLContext serverContext() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setKeyEntry("test", key, new char[0], new java.security.cert.Certificate[] {certificate});
        var kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, new char[0]);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }

    /** A client context trusting this certificate alone. */
    SSLContext clientContext() throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        ks.setCertificateEntry("test", certificate);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, tmf.getTrustManagers(), null);
        return ctx;
    }
}
