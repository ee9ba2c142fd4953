// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import dev.mailgate.testkit.mta.LocalPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

/**
 * A real OpenDKIM (package opendkim) on 127.0.0.1 signing mail of {@code test.invalid} with a key
 * the test generates, for clients in InternalHosts (127.0.0.1, as Postfix reports them).
 */
final class OpenDkimDaemon implements AutoCloseable {
    static final Path OPENDKIM = Path.of("/usr/sbin/opendkim");
    static final String DOMAIN = "test.invalid";
    static final String SELECTOR = "mg";

    final int port;
    private final ExternalDaemon daemon;

    private OpenDkimDaemon(int port, ExternalDaemon daemon) {
        this.port = port;
        this.daemon = daemon;
    }

    static boolean isAvailable() {
        return Files.isExecutable(OPENDKIM);
    }

    static OpenDkimDaemon start(Path dir) throws IOException {
        Files.createDirectories(dir);
        Path key = dir.resolve(SELECTOR + ".private");
        Files.writeString(key, privateKeyPem());
        Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
        int port = LocalPorts.freePort();
        Path conf = dir.resolve("opendkim.conf");
        Files.writeString(conf, String.join("\n",
                "Syslog no",
                "Socket inet:" + port + "@127.0.0.1",
                "Domain " + DOMAIN,
                "Selector " + SELECTOR,
                "KeyFile " + key,
                // the key lives under /tmp, which others may write to
                "RequireSafeKeys no",
                "Mode sv",
                "Canonicalization relaxed/simple",
                "InternalHosts 127.0.0.1",
                "UserID " + System.getProperty("user.name"),
                "PidFile " + dir.resolve("opendkim.pid"),
                "Background no",
                "AutoRestart no",
                "") + "\n");
        ExternalDaemon d = ExternalDaemon.start("opendkim", List.of(OPENDKIM.toString(), "-f", "-x", conf.toString()),
                dir.resolve("opendkim.out"), Duration.ofSeconds(30), () -> LocalPorts.isListening(port));
        return new OpenDkimDaemon(port, d);
    }

    private static String privateKeyPem() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            KeyPair kp = g.generateKeyPair();
            return "-----BEGIN PRIVATE KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(kp.getPrivate().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    String address() {
        return "inet:127.0.0.1:" + port;
    }

    @Override
    public void close() {
        daemon.close();
    }
}
