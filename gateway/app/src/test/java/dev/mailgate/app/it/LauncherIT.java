// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static dev.mailgate.milter.codec.MilterConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.milter.client.BlockingMilterClient;
import dev.mailgate.milter.client.MilterClient;
import dev.mailgate.milter.codec.MilterResponse;
import dev.mailgate.testkit.mta.LocalPorts;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The distribution as an operator runs it: bin/mailgate run --policy FILE, SIGHUP to reload
 * (what systemctl reload does), SIGTERM to stop.
 */
class LauncherIT {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static String policy(int port, String refused) {
        return "listen:\n  - milter: inet:127.0.0.1:" + port + "\nrules:\n  onRcptTo:\n    - if: rcptTo == \"" + refused
                + "\"\n      then: { reject: \"550 5.1.1 refused\" }\n";
    }

    private static MilterResponse rcptAnswer(int port, String rcpt) throws Exception {
        try (BlockingMilterClient c = MilterClient.open("inet:127.0.0.1:" + port).blocking()) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            c.connect("h", SMFIA_INET, 1, "192.0.2.1");
            c.mail("<a@b.test>");
            return c.rcpt("<" + rcpt + ">");
        }
    }

    private static void awaitLine(List<String> lines, String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (lines.stream().anyMatch(l -> l.contains(fragment))) return;
            Thread.sleep(50);
        }
        throw new AssertionError("no log line containing '" + fragment + "' in:\n" + String.join("\n", lines));
    }

    @Test
    void runReloadOnSighupAndStop(@TempDir Path dir) throws Exception {
        int port = LocalPorts.freePort();
        Path file = dir.resolve("policy.yaml");
        Files.writeString(file, policy(port, "old@example.test"));
        Process p = new ProcessBuilder("bin/mailgate", "run", "--policy", file.toString()).redirectErrorStream(true).start();
        List<String> log = new CopyOnWriteArrayList<>();
        Thread.startVirtualThread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) log.add(l);
            } catch (java.io.IOException ignored) {
                // the process ended
            }
        });
        try {
            awaitLine(log, "mailgate ready in");
            assertThat(rcptAnswer(port, "old@example.test")).isInstanceOf(MilterResponse.ReplyCode.class);

            Files.writeString(file, policy(port, "new@example.test"));
            new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
            awaitLine(log, "policy reloaded from " + file);
            assertThat(rcptAnswer(port, "old@example.test")).isEqualTo(MilterResponse.CONTINUE);
            assertThat(rcptAnswer(port, "new@example.test")).isInstanceOf(MilterResponse.ReplyCode.class);

            Files.writeString(file, "rules:\n  onRcptTo: [ { if: \"rcptTo ==\", then: reject } ]\n");
            new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start().waitFor();
            awaitLine(log, "policy reload failed, keeping the running policy: " + file + ":2:");
            assertThat(rcptAnswer(port, "new@example.test")).isInstanceOf(MilterResponse.ReplyCode.class);

            p.destroy(); // SIGTERM
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isIn(0, 143);
        } finally {
            p.destroyForcibly();
        }
    }
}
