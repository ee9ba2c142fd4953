// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import dev.mailgate.testkit.mta.LocalPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A real spamd (packages spamd and spamassassin, with the rules they ship) on 127.0.0.1, local
 * tests only (no DNS or network checks), with a temporary home and site configuration: the .pre
 * files of /etc/spamassassin (they load the plugins) plus our own local.cf.
 */
final class SpamdDaemon implements AutoCloseable {
    static final Path SPAMD = Path.of("/usr/sbin/spamd");
    static final Path RULES = Path.of("/usr/share/spamassassin");

    final int port;
    private final ExternalDaemon daemon;

    private SpamdDaemon(int port, ExternalDaemon daemon) {
        this.port = port;
        this.daemon = daemon;
    }

    static boolean isAvailable() {
        return Files.isExecutable(SPAMD) && Files.isDirectory(RULES);
    }

    /** The GTUBE test string, assembled so this source is not itself flagged. */
    static String gtube() {
        return "XJS*C4JDBQADN1.NSBN3*2IDNEN*" + "GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL" + "*C.34X";
    }

    static SpamdDaemon start(Path dir) throws IOException {
        Path site = Files.createDirectories(dir.resolve("site"));
        Path home = Files.createDirectories(dir.resolve("home"));
        try (Stream<Path> pre = Files.list(Path.of("/etc/spamassassin"))) {
            for (Path p : pre.filter(p -> p.toString().endsWith(".pre")).toList()) Files.copy(p, site.resolve(p.getFileName()));
        }
        Files.writeString(site.resolve("local.cf"), String.join("\n", "required_score 5.0", "use_bayes 0", "skip_rbl_checks 1",
                "use_razor2 0", "use_pyzor 0", "") + "\n");
        int port = LocalPorts.freePort();
        List<String> cmd = new ArrayList<>(List.of(SPAMD.toString(), "--local", "--nouser-config", "--listen=127.0.0.1:" + port,
                "--helper-home-dir=" + home, "--configpath=" + RULES, "--siteconfigpath=" + site, "--syslog=stderr",
                "--max-children=2", "--min-children=1", "--max-spare=1", "--pidfile=" + dir.resolve("spamd.pid")));
        if (System.getProperty("user.name").equals("root")) cmd.add("--username=nobody"); // spamd will not run as root
        ExternalDaemon d = ExternalDaemon.start("spamd", cmd, dir.resolve("spamd.out"), Duration.ofSeconds(120), () -> LocalPorts.isListening(port));
        return new SpamdDaemon(port, d);
    }

    String address() {
        return "inet:127.0.0.1:" + port;
    }

    @Override
    public void close() {
        daemon.close();
    }
}
