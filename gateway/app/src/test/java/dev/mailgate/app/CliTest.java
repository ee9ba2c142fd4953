// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void checkPrintsTheChainPerEvent() {
        Run r = run("check", "../../policies/example-scoring.yaml");
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("onConnect:\n  filter networks (networks").contains("rule onRcptTo[retired-mailbox]").endsWith("OK\n");
    }

    @Test
    void checkRefusesABrokenPolicyWithItsPosition(@TempDir Path dir) throws Exception {
        Path p = dir.resolve("bad.yaml");
        Files.writeString(p, "rules:\n  onConnect:\n    - if: SPFResult == \"Fail\"\n      then: reject\n");
        Run r = run("check", p.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).startsWith(p + ":3:").contains("unknown variable 'SPFResult'");
    }

    @Test
    void testRunsOneMessageAndNamesTheDecidingRule(@TempDir Path dir) throws Exception {
        Path eml = dir.resolve("m.eml");
        Files.writeString(eml, "Subject: you are a lottery winner\nFrom: x@ext.test\n\nclaim now\n");
        Run r = run("test", "--policy", "../../policies/example-scoring.yaml", "--from", "x@ext.test",
                "--rcpt", "u@example.org", "--ip", "203.0.113.9", eml.toString());
        assertThat(r.code()).isZero();
        assertThat(r.out()).contains("inputs: policy=../../policies/example-scoring.yaml ip=203.0.113.9")
                .contains("verdict: continue (decided by threshold addHeader)")
                .contains("change: ChangeHeader[name=Subject, occurrence=1, value=[SPAM] you are a lottery winner]");
        Run trusted = run("test", "--policy", "../../policies/example-scoring.yaml", "--from", "x@ext.test",
                "--rcpt", "u@example.org", "--ip", "10.20.1.1", eml.toString());
        assertThat(trusted.out()).contains("onConnect          accept (filter networks)");
    }

    @Test
    void aDnsServerThatNeverAnswersShowsTheChecksOnErrorWhereItLandsAndTheMessageIsDeferred(@TempDir Path dir) throws Exception {
        // a UDP port that takes the queries and never answers: every lookup times out
        try (var silent = new java.net.DatagramSocket(0, java.net.InetAddress.getLoopbackAddress())) {
            Path policy = dir.resolve("p.yaml");
            Files.writeString(policy, """
                    services:
                      dns: { servers: ["127.0.0.1:%d"], timeout: 300ms }
                    filters:
                      - dnsbl: { zones: [bl.test] }
                    rules:
                      onRcptTo:
                        - if: DNSBLResult != ""
                          then: { reject: "554 5.7.1 listed" }
                    """.formatted(silent.getLocalPort()));
            Path eml = dir.resolve("m.eml");
            Files.writeString(eml, "Subject: hi\n\nbody\n");
            Run r = run("test", "--policy", policy.toString(), "--from", "a@example.org", "--rcpt", "b@example.net",
                    "--ip", "192.0.2.1", eml.toString());
            // the lookup started at onConnect; the rule at onRcptTo waited for it and got its onError
            assertThat(r.out()).contains("onConnect          continue")
                    .contains("onRcptTo           tempreject 451 4.7.1 Temporary failure in filter dnsbl, try again later (filter dnsbl (started at onConnect))")
                    .contains("verdict: tempreject (decided by every recipient refused)")
                    .contains("DNSBL_TIMEOUT");
        }
    }

    @Test
    void usageErrors() {
        assertThat(run().code()).isEqualTo(2);
        assertThat(run("frobnicate").err()).contains("unknown command 'frobnicate'");
        assertThat(run("test", "--policy", "x.yaml", "m.eml").err()).contains("--from is required");
        assertThat(run("run", "--polcy", "x").err()).contains("unknown option --polcy");
    }
}
