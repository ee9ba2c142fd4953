// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Modification;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.testkit.FilterHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command filter with real programs (/bin/sh scripts). */
class CommandFilterTest {
    @TempDir
    Path dir;
    Path script;

    /** A scanner script: its answer depends on the message; it records stdin and its environment. */
    @BeforeEach
    void writeScript() throws Exception {
        script = dir.resolve("scan.sh");
        Files.writeString(script, """
                #!/bin/sh
                cat > "%1$s/stdin.txt"
                env | grep '^MAILGATE_' | sort > "%1$s/env.txt"
                if [ -n "$MAILGATE_CONTEXT" ]; then cp "$MAILGATE_CONTEXT" "%1$s/context.json"; fi
                if grep -q VIRUS "%1$s/stdin.txt"; then echo "found: Test.Virus"; exit 6; fi
                if grep -q DEFER "%1$s/stdin.txt"; then echo "busy"; exit 75; fi
                if grep -q HANG "%1$s/stdin.txt"; then sleep 30 & wait; fi
                if grep -q ODD "%1$s/stdin.txt"; then echo "what?"; exit 3; fi
                echo "clean from $MAILGATE_MAIL_FROM"
                exit 0
                """.formatted(dir));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
    }

    private FilterHarness harness(String extra) {
        return FilterHarness.of("message: { tempDirectory: \"" + dir + "\" }\nfilters:\n  - command: { name: scan, command: [\"" + script + "\"], reject: [6], tempreject: [75]"
                + extra + " }\n", new CommandFilterFactory());
    }

    private static StageResult send(FilterHarness h, String body) {
        h.connect("192.0.2.7").ehlo("client.test").mailFrom("sender@a.test");
        h.rcptTo("r1@b.test");
        h.rcptTo("r2@b.test");
        h.header("Subject", "test").endOfHeaders().body(body);
        return h.endOfData();
    }

    @Test
    void exitZeroContinuesAndTheCommandSeesMessageAndContext() throws Exception {
        FilterHarness h = harness("");
        StageResult r = send(h, "hello\r\n");
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(Files.readString(dir.resolve("stdin.txt"))).isEqualTo("Subject: test\r\n\r\nhello\r\n");
        assertThat(Files.readAllLines(dir.resolve("env.txt"))).contains("MAILGATE_MAIL_FROM=sender@a.test", "MAILGATE_RCPT_TO=r1@b.test,r2@b.test",
                "MAILGATE_CLIENT_IP=192.0.2.7", "MAILGATE_HELO=client.test", "MAILGATE_FILTER=scan", "MAILGATE_VAR_rcptCount=2",
                "MAILGATE_VAR_subject=test");
        assertThat(h.session().variables()).containsEntry("scan.result", "0").containsEntry("scan.exitCode", 0L)
                .containsEntry("scan.explanation", "clean from sender@a.test").containsEntry("scan.action", "continue");
        assertThat(h.get(StandardVars.FINDINGS)).isEmpty();
    }

    @Test
    void exitCodesMapToActions() {
        FilterHarness h = harness("");
        StageResult virus = send(h, "a VIRUS\r\n");
        assertThat(((Verdict.Reject) virus.verdict()).reply().toWireText()).isEqualTo("554 5.7.1 Message rejected by scan: found: Test.Virus");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("COMMAND_EXIT_6");
        assertThat(h.session().variables()).containsEntry("scan.result", "6").containsEntry("scan.action", "reject");

        StageResult busy = send(harness(""), "DEFER\r\n");
        assertThat(((Verdict.TempReject) busy.verdict()).reply().toWireText()).isEqualTo("451 4.7.1 Message deferred by scan, try again later");

        FilterHarness q = harness(", quarantine: [3]");
        StageResult held = send(q, "ODD\r\n");
        assertThat(held.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(held.modifications()).containsExactly(new Modification.Quarantine("Message rejected by scan: what?"));
    }

    @Test
    void anUnlistedExitCodeIsAFailureOfTheCommand() {
        FilterHarness h = harness(", onError: tempreject");
        StageResult r = send(h, "ODD\r\n");
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("COMMAND_TEMPERROR", "SCAN_ERROR");
        assertThat((String) h.session().variables().get("scan.explanation")).contains("exited with 3, which no action lists: what?");
    }

    @Test
    void aHangingCommandIsKilledWithItsChildren() throws Exception {
        FilterHarness h = harness(", killAfter: 500ms, onError: continue");
        long t0 = System.nanoTime();
        StageResult r = send(h, "HANG\r\n");
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(450L, 5000L);
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("COMMAND_TIMEOUT", "SCAN_TIMEOUT");
        assertThat(h.session().variables()).containsEntry("scan.result", "timeout");
        Thread.sleep(200);
        assertThat(sleepers()).as("the script's 'sleep 30' child is gone too").isEmpty();

        FilterHarness chain = harness(", timeout: 500ms, onError: tempreject");
        assertThat(send(chain, "HANG\r\n").verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(chain.get(StandardVars.FINDINGS)).containsExactly("SCAN_TIMEOUT");
        Thread.sleep(300);
        assertThat(sleepers()).isEmpty();
    }

    private List<ProcessHandle> sleepers() {
        try (Stream<ProcessHandle> all = ProcessHandle.current().descendants()) {
            return all.filter(p -> p.info().command().orElse("").endsWith("sleep")).toList();
        }
    }

    @Test
    void theMessageMayGoThroughAFileAndTheContextAsJson() throws Exception {
        Path fileScript = dir.resolve("file.sh");
        Files.writeString(fileScript, "#!/bin/sh\ncp \"$1\" \"" + dir + "/file-copy.txt\"\ncp \"$MAILGATE_CONTEXT\" \"" + dir + "/context.json\"\necho ok\n");
        Files.setPosixFilePermissions(fileScript, PosixFilePermissions.fromString("rwx------"));
        FilterHarness h = FilterHarness.of("message: { tempDirectory: \"" + dir + "\" }\nfilters:\n  - command: { name: scan, command: [\"" + fileScript
                + "\", \"{file}\"], input: file, json: true }\n", new CommandFilterFactory());
        assertThat(send(h, "in a file\r\n").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(Files.readString(dir.resolve("file-copy.txt"))).isEqualTo("Subject: test\r\n\r\nin a file\r\n");
        assertThat(Files.readString(dir.resolve("context.json"))).contains("\"mailFrom\":\"sender@a.test\"")
                .contains("\"recipients\":[\"r1@b.test\",\"r2@b.test\"]").contains("[\"Subject\",\"test\"]");
        try (Stream<Path> left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("mailgate-"));
        }
    }

    @Test
    void aCommandAtAnEarlierEventDecidesWithoutTheMessage() throws Exception {
        Path check = dir.resolve("sender.sh");
        Files.writeString(check, "#!/bin/sh\n[ \"$MAILGATE_MAIL_FROM\" = \"bad@a.test\" ] && { echo 'sender blocked'; exit 1; }\nexit 0\n");
        Files.setPosixFilePermissions(check, PosixFilePermissions.fromString("rwx------"));
        FilterHarness h = FilterHarness.of("filters:\n  - command: { command: [\"" + check + "\"], event: onMailFrom, reject: [1] }\n", new CommandFilterFactory());
        assertThat(h.session().policy().needsBody()).isFalse();
        h.connect("192.0.2.1").mailFrom("bad@a.test");
        assertThat(((Verdict.Reject) h.last().verdict()).reply().toWireText()).isEqualTo("554 5.7.1 Message rejected by command: sender blocked");
        h.mailFrom("good@a.test");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - command: { command: [scan] }\n", new CommandFilterFactory()))
                .hasMessageContaining("absolute path");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - command: { command: [/bin/true], reject: [1], tempreject: [1] }\n", new CommandFilterFactory()))
                .hasMessageContaining("exit code 1 is listed under two actions");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - command: { command: [/bin/true], input: file }\n", new CommandFilterFactory()))
                .hasMessageContaining("{file}");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - command: { command: [/bin/true], event: onMailFrom, input: stdin }\n", new CommandFilterFactory()))
                .hasMessageContaining("use input: none at onMailFrom");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - command: { command: [/bin/true], reply: \"451 no\" }\n", new CommandFilterFactory()))
                .hasMessageContaining("must be a 5xx reply");
    }
}
