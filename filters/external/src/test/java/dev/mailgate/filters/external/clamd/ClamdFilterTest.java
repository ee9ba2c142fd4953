// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.clamd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Modification;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.testkit.FilterHarness;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClamdFilterTest {
    FakeClamd clamd;

    @AfterEach
    void stop() throws Exception {
        if (clamd != null) clamd.close();
    }

    private static FilterHarness harness(String settings) {
        return FilterHarness.of("message: { memoryLimit: 64KiB }\nfilters:\n  - clamd: " + settings + "\n", new ClamdFilterFactory());
    }

    private static StageResult send(FilterHarness h, String subject, byte[] body) {
        h.connect("192.0.2.1").mailFrom("a@b.test");
        h.rcptTo("c@d.test");
        h.header("Subject", subject).header("X-Virus-Status", "Clean (forged)").endOfHeaders();
        for (int i = 0; i < body.length; i += 65535) h.body(Arrays.copyOfRange(body, i, Math.min(body.length, i + 65535)));
        return h.endOfData();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void cleanMessageIsStreamedWholeAndMarked() throws Exception {
        clamd = FakeClamd.tcp();
        FilterHarness h = harness("{ name: clamav, address: \"" + clamd.address() + "\" }");
        byte[] body = new byte[300_000];
        Arrays.fill(body, (byte) 'a');
        for (int i = 998; i < body.length; i += 1000) { body[i] = '\r'; body[i + 1] = '\n'; }
        StageResult r = send(h, "hello", body);
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        byte[] seen = clamd.streams.get(0);
        String head = "Subject: hello\r\nX-Virus-Status: Clean (forged)\r\n\r\n";
        assertThat(seen).hasSize(head.length() + body.length);
        assertThat(new String(seen, 0, head.length(), StandardCharsets.US_ASCII)).isEqualTo(head);
        assertThat(Arrays.copyOfRange(seen, head.length(), seen.length)).isEqualTo(body);
        assertThat(clamd.largestChunk.get()).isLessThanOrEqualTo(65536);
        assertThat(h.session().variables()).containsEntry("clamav.result", "clean").containsEntry("clamav.action", "continue");
        assertThat(r.modifications()).containsExactly(
                new Modification.ChangeHeader("X-Virus-Status", 1, ""),
                new Modification.AddHeader("X-Virus-Scanned", "ClamAV via mailgate"),
                new Modification.AddHeader("X-Virus-Status", "Clean"));
    }

    @Test
    void infectedMessageIsRejectedWithTheVirusName() throws Exception {
        clamd = FakeClamd.tcp();
        FilterHarness h = harness("{ address: \"" + clamd.address() + "\" }");
        StageResult r = send(h, "x", text("hello " + FakeClamd.SIGNATURE + "\r\n"));
        assertThat(r.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) r.verdict()).reply().toWireText())
                .isEqualTo("554 5.7.1 Message rejected: virus Fake.Test-Signature found");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("CLAMD_INFECTED");
        assertThat(h.session().variables()).containsEntry("clamd.result", "infected").containsEntry("clamd.virus", "Fake.Test-Signature")
                .containsEntry("clamd.action", "reject").containsEntry("clamd.explanation", "Fake.Test-Signature");
    }

    @Test
    void quarantineAcceptsAndHoldsWithTheStatusHeader(@TempDir Path dir) throws Exception {
        clamd = FakeClamd.unix(dir);
        FilterHarness h = harness("{ address: \"" + clamd.address() + "\", onInfected: quarantine, reply: \"virus {virus}\", headers: add }");
        StageResult r = send(h, "x", text(FakeClamd.SIGNATURE + "\r\n"));
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(r.modifications()).contains(new Modification.Quarantine("virus Fake.Test-Signature"),
                new Modification.AddHeader("X-Virus-Status", "Infected (Fake.Test-Signature)"));
        assertThat(r.modifications()).noneMatch(m -> m instanceof Modification.ChangeHeader);
    }

    @Test
    void messagesAboveMaxSizeAreNotScanned() throws Exception {
        clamd = FakeClamd.tcp();
        FilterHarness h = harness("{ address: \"" + clamd.address() + "\", maxSize: 1KiB }");
        StageResult r = send(h, "x", new byte[2000]);
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(clamd.connections.get()).isZero();
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("CLAMD_SKIPPED");
        assertThat(h.session().variables()).containsEntry("clamd.result", "skipped");
        assertThat((String) h.session().variables().get("clamd.explanation")).contains("larger than maxSize 1024");
    }

    @Test
    void scansShareOneSessionConnection() throws Exception {
        clamd = FakeClamd.tcp();
        FilterHarness h = harness("{ address: \"" + clamd.address() + "\" }");
        for (int i = 0; i < 3; i++) assertThat(send(h, "m" + i, text("body " + i + "\r\n")).verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(clamd.streams).hasSize(3);
        assertThat(clamd.connections.get()).isEqualTo(1);

        FakeClamd single = FakeClamd.tcp();
        try {
            FilterHarness h2 = harness("{ address: \"" + single.address() + "\", maxIdleConnections: 0 }");
            for (int i = 0; i < 2; i++) send(h2, "m" + i, text("x\r\n"));
            assertThat(single.connections.get()).isEqualTo(2);
        } finally {
            single.close();
        }
    }

    @Test
    void aSessionTheDaemonDroppedIsRetriedOnANewConnection() throws Exception {
        clamd = FakeClamd.tcp();
        clamd.mode = FakeClamd.Mode.CLOSE_IDLE_SESSIONS;
        FilterHarness h = harness("{ address: \"" + clamd.address() + "\" }");
        assertThat(send(h, "one", text("1\r\n")).verdict()).isEqualTo(Verdict.CONTINUE);
        Thread.sleep(100);
        assertThat(send(h, "two", text(FakeClamd.SIGNATURE + "\r\n")).verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(clamd.connections.get()).isEqualTo(2);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("CLAMD_INFECTED");
    }

    @Test
    void stoppedDaemonGivesTheOnErrorVerdictAndTheFailureVariables(@TempDir Path dir) {
        FilterHarness h = harness("{ name: clamav, address: \"unix:" + dir.resolve("gone.sock") + "\", onError: tempreject }");
        StageResult r = send(h, "x", text("hi\r\n"));
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("CLAMD_TEMPERROR", "CLAMAV_ERROR");
        assertThat(h.session().variables()).containsEntry("clamav.result", "error").containsEntry("clamav.action", "tempreject");
        assertThat((String) h.session().variables().get("clamav.explanation")).contains("clamd at unix:").contains("cannot connect");
    }

    @Test
    void hangingDaemonIsCutByTheFiltersIoTimeout() throws Exception {
        clamd = FakeClamd.tcp();
        clamd.mode = FakeClamd.Mode.HANG;
        FilterHarness h = harness("{ address: \"" + clamd.address() + "\", ioTimeout: 300ms, timeout: 5s, onError: continue }");
        long t0 = System.nanoTime();
        StageResult r = send(h, "x", text("hi\r\n"));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(ms).isBetween(250L, 3000L);
        assertThat(h.get(StandardVars.FINDINGS)).as("the filter's finding and the chain's are the same symbol").containsExactly("CLAMD_TIMEOUT");
        assertThat(h.session().variables()).containsEntry("clamd.result", "timeout");
    }

    @Test
    void hangingDaemonIsCutByTheChainDeadline() throws Exception {
        clamd = FakeClamd.tcp();
        clamd.mode = FakeClamd.Mode.HANG;
        FilterHarness h = harness("{ name: av, address: \"" + clamd.address() + "\", timeout: 400ms, onError: tempreject }");
        long t0 = System.nanoTime();
        StageResult r = send(h, "x", text("hi\r\n"));
        assertThat((System.nanoTime() - t0) / 1_000_000).isBetween(350L, 3000L);
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("AV_TIMEOUT");
        assertThat(h.session().variables()).containsEntry("av.result", "timeout");
    }

    @Test
    void daemonErrorsAreTemporaryFailures() throws Exception {
        clamd = FakeClamd.tcp();
        clamd.mode = FakeClamd.Mode.SIZE_LIMIT;
        FilterHarness h = harness("{ address: \"" + clamd.address() + "\", onError: tempreject }");
        assertThat(send(h, "x", text("hi\r\n")).verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat((String) h.session().variables().get("clamd.explanation")).contains("INSTREAM size limit exceeded");
    }

    @Test
    void settingsAreCheckedWhenThePolicyLoadsWithoutConnecting() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - clamd: {}\n", new ClamdFilterFactory()))
                .hasMessageContaining("harness.yaml:2:").hasMessageContaining("an address is required");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - clamd: { address: \"unix:relative\" }\n", new ClamdFilterFactory()))
                .hasMessageContaining("must be absolute");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - clamd: { address: x:1, onInfected: bounce }\n", new ClamdFilterFactory()))
                .hasMessageContaining("onInfected: must be reject, tempreject, discard, quarantine, accept or continue");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - clamd: { address: x:1, reply: \"451 later\" }\n", new ClamdFilterFactory()))
                .hasMessageContaining("needs a 5xx reply");
        // nothing listens there; loading must not care
        assertThat(FilterHarness.load("filters:\n  - clamd: { address: \"inet:192.0.2.1:3310\" }\n", new ClamdFilterFactory()).needsBody()).isTrue();
    }
}
