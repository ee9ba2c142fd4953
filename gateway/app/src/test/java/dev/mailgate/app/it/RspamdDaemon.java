// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import dev.mailgate.testkit.mta.LocalPorts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A real rspamd (package rspamd) on 127.0.0.1 with a minimal configuration written by the test:
 * one normal worker, no controller, no network modules (no DNS: every lookup goes to a closed
 * port), GTUBE patterns on, milter_headers for the header changes, and one test rule that scores
 * messages whose subject says "rspamd-add-header".
 */
final class RspamdDaemon implements AutoCloseable {
    static final Path RSPAMD = Path.of("/usr/bin/rspamd");

    final int port;
    private final ExternalDaemon daemon;

    private RspamdDaemon(int port, ExternalDaemon daemon) {
        this.port = port;
        this.daemon = daemon;
    }

    static boolean isAvailable() {
        return Files.isExecutable(RSPAMD);
    }

    static RspamdDaemon start(Path dir) throws IOException {
        Path db = Files.createDirectories(dir.resolve("db"));
        Path run = Files.createDirectories(dir.resolve("run"));
        int port = LocalPorts.freePort();
        Path rules = dir.resolve("rules.lua");
        Files.writeString(rules, """
                rspamd_config.MAILGATE_TEST_SPAM = {
                  callback = function(task)
                    local s = task:get_subject()
                    return s ~= nil and s:find('rspamd-add-header', 1, true) ~= nil
                  end,
                  score = 7.0,
                  description = 'test rule of the mailgate integration tests',
                }
                """);
        Path conf = dir.resolve("rspamd.conf");
        Files.writeString(conf, """
                options {
                  pidfile = "%1$s/rspamd.pid";
                  filters = "";
                  enable_test_patterns = true;
                  dns { nameserver = ["127.0.0.1:1"]; timeout = 0.1s; retransmits = 0; }
                  control_socket = "%1$s/rspamd.sock mode=0600";
                  local_addrs = [];
                  task_timeout = 8s;
                }
                logging { type = "file"; filename = "%2$s/rspamd.log"; level = "info"; }
                actions { reject = 15; add_header = 6; greylist = 4; }
                worker "normal" { bind_socket = "127.0.0.1:%3$d"; count = 1; }
                lua = "%4$s";
                modules { path = "${PLUGINSDIR}/milter_headers.lua"; }
                milter_headers { use = ["x-spam-status", "x-spamd-result"]; skip_local = false; skip_authenticated = false; }
                """.formatted(run, dir, port, rules));
        List<String> cmd = new ArrayList<>(List.of(RSPAMD.toString(), "-f", "-c", conf.toString(), "--var", "DBDIR=" + db, "--var", "RUNDIR=" + run));
        if (System.getProperty("user.name").equals("root")) cmd.addAll(List.of("-i", "-u", "root", "-g", "root"));
        ExternalDaemon d = ExternalDaemon.start("rspamd", cmd, dir.resolve("rspamd.out"), Duration.ofSeconds(120), () -> LocalPorts.isListening(port));
        return new RspamdDaemon(port, d);
    }

    String address() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        daemon.close();
    }
}
