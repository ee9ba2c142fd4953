// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The command filter behind a real Postfix: a scanner program reads the message on stdin and
 * its exit code decides (hMailServer's external virus scanner); a hanging one is killed and the
 * configured onError answers.
 */
class ExternalCommandIT {
    static MailPath path;
    static Path script;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        path = MailPath.start("command-it", "rules: {}\n");
        script = path.dir.resolve("scanner.sh");
        Files.writeString(script, """
                #!/bin/sh
                # reads the whole message like a virus scanner would
                msg=$(cat)
                case "$msg" in
                  *EVIL-PAYLOAD*) echo "infected: Test.Payload"; exit 6 ;;
                  *SLOW-PAYLOAD*) sleep 60 & wait ;;
                esac
                echo "clean, $(printf '%s' "$msg" | wc -c | tr -d ' ') bytes from $MAILGATE_MAIL_FROM via $MAILGATE_CLIENT_IP to $MAILGATE_RCPT_TO"
                """);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void stop() {
        if (path != null) path.close();
    }

    static String policy(String extra) {
        return """
                filters:
                  - command: { name: avscan, command: ["%s"], reject: [6], timeout: 10s%s }
                rules:
                  onDataReceived:
                    - if: avscan.result == "0"
                      then: { addHeader: "X-Scanned: ${avscan.explanation}" }
                """.formatted(script, extra);
    }

    static String message(String body) {
        return "From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: command\r\nMessage-Id: <" + System.nanoTime()
                + "@test.invalid>\r\n\r\n" + body + "\r\n";
    }

    @Test
    void exitCodeDecides() throws Exception {
        path.use(policy(""));
        SmtpTransaction clean = path.send("a@test.invalid", "b@example.invalid", message("nothing to see"));
        assertThat(clean.data().code()).isEqualTo(250);
        ReceivedMessage m = path.sink.awaitMessages(1, MailPath.WAIT).get(0);
        assertThat(m.header("X-Scanned")).matches("clean, \\d+ bytes from a@test.invalid via 127.0.0.1 to b@example.invalid");
        path.sink.clear();

        SmtpTransaction bad = path.send("a@test.invalid", "b@example.invalid", message("EVIL-PAYLOAD"));
        assertThat(bad.data().lines()).containsExactly("554 5.7.1 Message rejected by avscan: infected: Test.Payload");
        path.assertNothingDelivered();
        assertThat(path.problems()).isEmpty();
    }

    @Test
    void aHangingScannerIsKilledAndTheConfiguredOnErrorAnswers() throws Exception {
        path.use(policy(", killAfter: 2s, onError: tempreject"));
        long t0 = System.nanoTime();
        SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("SLOW-PAYLOAD"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(t.data().code()).isEqualTo(451);
        assertThat(ms).isBetween(1_900L, 9_000L);
        path.assertNothingDelivered();
        List<String> lines = path.problems().stream().filter(l -> l.contains("filter=avscan")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("did not finish within 2000 ms; killed").contains("onError=tempreject");
        Thread.sleep(300);
        try (var all = ProcessHandle.current().descendants()) {
            assertThat(all.filter(p -> p.info().command().orElse("").endsWith("sleep")).toList()).as("no scanner left running").isEmpty();
        }
    }
}
