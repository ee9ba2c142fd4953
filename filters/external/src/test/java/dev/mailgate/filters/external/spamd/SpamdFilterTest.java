// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.spamd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Modification;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.filters.external.ScannerException;
import dev.mailgate.testkit.FilterHarness;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The spamd filter against an in-process stand-in; the real spamd runs in ExternalSpamdIT. */
class SpamdFilterTest {
    ServerSocket server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    volatile String answerOverride;

    @BeforeEach
    void start() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                    serve(s);
                } catch (IOException e) {
                    // next
                }
            }
        });
    }

    private void serve(Socket s) throws IOException {
        InputStream in = s.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int x = in.read();
            if (x < 0) return;
            head.write(x);
        }
        String h = head.toString(StandardCharsets.ISO_8859_1);
        int len = Integer.parseInt(h.replaceAll("(?s).*Content-length: (\\d+).*", "$1"));
        String body = new String(in.readNBytes(len), StandardCharsets.ISO_8859_1);
        requests.add(h + body);
        boolean spam = body.contains("SPAMMY");
        String symbols = spam ? "GTUBE,MSGID_SHORT" : "NO_RELAYS";
        String answer = answerOverride != null ? answerOverride
                : "SPAMD/1.1 0 EX_OK\r\nContent-length: " + symbols.length() + "\r\nSpam: " + (spam ? "True ; 1001.0" : "False ; 0.5") + " / 5.0\r\n\r\n" + symbols;
        s.getOutputStream().write(answer.getBytes(StandardCharsets.ISO_8859_1));
    }

    @AfterEach
    void stop() throws IOException {
        server.close();
    }

    private FilterHarness harness(String extra) {
        return FilterHarness.of("filters:\n  - spamd: { name: sa, address: \"127.0.0.1:" + server.getLocalPort() + "\"" + extra + " }\n", new SpamdFilterFactory());
    }

    private static StageResult send(FilterHarness h, String subject, String body) {
        h.connect("192.0.2.1").mailFrom("a@b.test");
        h.rcptTo("c@d.test");
        h.header("Subject", subject).header("X-Spam-Flag", "NO").endOfHeaders().body(body);
        return h.endOfData();
    }

    @Test
    void hamGetsTheStatusHeadersAndForgedOnesAreRemoved() {
        FilterHarness h = harness(", user: nobody");
        StageResult r = send(h, "hello", "fine\r\n");
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        String req = requests.get(0);
        String msg = "Subject: hello\r\nX-Spam-Flag: NO\r\n\r\nfine\r\n";
        assertThat(req).startsWith("SYMBOLS SPAMC/1.5\r\nContent-length: " + msg.length() + "\r\nUser: nobody\r\n\r\n").endsWith(msg);
        assertThat(r.modifications()).contains(new Modification.ChangeHeader("X-Spam-Flag", 1, ""),
                new Modification.AddHeader("X-Spam-Status", "No, score=0.5 required=5.0 tests=NO_RELAYS"),
                new Modification.AddHeader("X-Spam-Score", "0.5"));
        assertThat(r.modifications()).doesNotContain(new Modification.AddHeader("X-Spam-Flag", "YES"));
        assertThat(h.session().variables()).containsEntry("sa.result", "ham").containsEntry("sa.score", 0.5).containsEntry("sa.symbols", List.of("NO_RELAYS"));
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("SPAMD_NO_RELAYS");
    }

    @Test
    void spamIsTaggedByDefault() {
        FilterHarness h = harness(", subjectTag: \"[SPAM]\"");
        StageResult r = send(h, "buy now", "SPAMMY\r\n");
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(r.modifications()).contains(new Modification.AddHeader("X-Spam-Flag", "YES"),
                new Modification.AddHeader("X-Spam-Status", "Yes, score=1001.0 required=5.0 tests=GTUBE,MSGID_SHORT"),
                new Modification.ChangeHeader("Subject", 1, "[SPAM] buy now"));
        assertThat(h.get(StandardVars.FINDINGS)).contains("SPAMD_SPAM", "SPAMD_GTUBE", "SPAMD_MSGID_SHORT");
        assertThat(h.session().variables()).containsEntry("sa.result", "spam").containsEntry("sa.action", "continue");
    }

    @Test
    void spamMayBeRejectedOrRejectedOnlyAboveAScore() {
        StageResult r = send(harness(", onSpam: reject"), "x", "SPAMMY\r\n");
        assertThat(((Verdict.Reject) r.verdict()).reply().toWireText()).isEqualTo("550 5.7.1 Message rejected as spam (score 1001.0)");

        StageResult high = send(harness(", rejectScore: 20, rejectReply: \"554 5.7.1 way too spammy: {score}\""), "x", "SPAMMY\r\n");
        assertThat(((Verdict.Reject) high.verdict()).reply().toWireText()).isEqualTo("554 5.7.1 way too spammy: 1001.0");

        StageResult ownThreshold = send(harness(", threshold: 0.1, onSpam: tempreject, reply: \"451 4.7.1 later\""), "x", "fine\r\n");
        assertThat(ownThreshold.verdict()).isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void largeMessagesAreSkippedAndErrorsAreTemporary() {
        FilterHarness h = harness(", maxSize: 100");
        StageResult r = send(h, "x", "y".repeat(200) + "\r\n");
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(requests).isEmpty();
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("SPAMD_SKIPPED");

        answerOverride = "SPAMD/1.0 76 Bad header line: (EOF)\r\n";
        FilterHarness bad = harness(", onError: tempreject");
        assertThat(send(bad, "x", "y\r\n").verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(bad.get(StandardVars.FINDINGS)).contains("SPAMD_TEMPERROR", "SA_ERROR");
        assertThat((String) bad.session().variables().get("sa.explanation")).contains("spamd refused the check: 76 Bad header line");
    }

    @Test
    void answersAreParsed() throws Exception {
        SpamdClient.Result r = SpamdClient.parse("SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\nSpam: False ; -1.5 / 5.0\r\n\r\nA,B_C", SpamdClient.Command.SYMBOLS);
        assertThat(r.spam()).isFalse();
        assertThat(r.score()).isEqualTo(-1.5);
        assertThat(r.symbols()).containsExactly("A", "B_C");
        SpamdClient.Result rep = SpamdClient.parse("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 7.0 / 5.0\r\n\r\nContent analysis details:\r\n 7.0 X\r\n", SpamdClient.Command.REPORT);
        assertThat(rep.report()).startsWith("Content analysis details:");
        assertThatThrownBy(() -> SpamdClient.parse("HTTP/1.0 200 OK\r\n\r\n", SpamdClient.Command.CHECK)).isInstanceOf(ScannerException.class)
                .hasMessageContaining("unexpected answer");
        assertThatThrownBy(() -> SpamdClient.parse("SPAMD/1.1 0 EX_OK\r\n\r\n", SpamdClient.Command.CHECK)).hasMessageContaining("without a Spam header");
    }
}
