// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

/**
 * A real clamd on a unix socket in a temporary directory, with a signature database the test
 * writes itself (no download is possible): the MD5 and size of the EICAR test file as an
 * {@code .hdb} hash signature.
 */
final class ClamdDaemon implements AutoCloseable {
    static final Path CLAMD = Path.of("/usr/sbin/clamd");
    static final String SIGNATURE = "Mailgate-Test.EICAR";

    final Path socket;
    private final ExternalDaemon daemon;

    private ClamdDaemon(Path socket, ExternalDaemon daemon) {
        this.socket = socket;
        this.daemon = daemon;
    }

    static boolean isAvailable() {
        return Files.isExecutable(CLAMD);
    }

    /** The 68-byte EICAR anti-virus test file, assembled here so this source is not itself flagged. */
    static byte[] eicar() {
        String s = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EICAR-STANDARD-ANTIVIRUS" + "-TEST-FILE!$H+H*";
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static ClamdDaemon start(Path dir) throws IOException {
        Path db = Files.createDirectories(dir.resolve("db"));
        byte[] eicar = eicar();
        String md5;
        try {
            md5 = HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(eicar));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        Files.writeString(db.resolve("mailgate-test.hdb"), md5 + ":" + eicar.length + ":" + SIGNATURE + "\n");
        Path socket = dir.resolve("clamd.sock");
        Path conf = dir.resolve("clamd.conf");
        Files.writeString(conf, String.join("\n",
                "LocalSocket " + socket,
                "DatabaseDirectory " + db,
                "Foreground yes",
                "LogFile " + dir.resolve("clamd.log"),
                "PidFile " + dir.resolve("clamd.pid"),
                "User " + System.getProperty("user.name"),
                "StreamMaxLength 60M",
                "MaxThreads 4",
                "") + "\n");
        ExternalDaemon d = ExternalDaemon.start("clamd", List.of(CLAMD.toString(), "-c", conf.toString()),
                dir.resolve("clamd.out"), Duration.ofSeconds(60), () -> Files.exists(socket));
        return new ClamdDaemon(socket, d);
    }

    String address() {
        return "unix:" + socket;
    }

    @Override
    public void close() throws IOException {
        daemon.close();
        Files.deleteIfExists(socket);
    }
}
