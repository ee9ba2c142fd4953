// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.rspamd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.mailgate.api.Modification;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.testkit.FilterHarness;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The rspamd filter against an in-process HTTP stand-in; the real rspamd runs in ExternalRspamdIT. */
class RspamdFilterTest {
    HttpServer server;
    volatile String answer = "{\"action\":\"no action\",\"score\":0.5,\"required_score\":15,\"symbols\":{}}";
    volatile int status = 200;
    volatile long delayMs;
    final List<Map<String, List<String>>> headers = new CopyOnWriteArrayList<>();
    final List<String> bodies = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/checkv2", this::handle);
        server.start();
    }

    private void handle(HttpExchange x) throws IOException {
        headers.add(Map.copyOf(x.getRequestHeaders()));
        bodies.add(new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (delayMs > 0) {
            try {
                Thread.sleep(delayMs);
            } catch (InterruptedException e) {
                return;
            }
        }
        byte[] b = answer.getBytes(StandardCharsets.UTF_8);
        x.sendResponseHeaders(status, b.length);
        x.getResponseBody().write(b);
        x.close();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private FilterHarness harness(String extra) {
        return FilterHarness.of("filters:\n  - rspamd: { name: rs, address: \"http://127.0.0.1:" + server.getAddress().getPort() + "\"" + extra + " }\n",
                new RspamdFilterFactory());
    }

    private static StageResult send(FilterHarness h) {
        h.connect("192.0.2.3").ehlo("helo.test").mailFrom("a@b.test");
        h.rcptTo("c@d.test");
        h.rcptTo("e@d.test");
        h.header("Subject", "hi").header("X-Spam", "forged").endOfHeaders().body("body\r\n");
        return h.endOfData();
    }

    @Test
    void envelopeAndClientGoAsHeadersAndTheMessageAsTheBody() {
        StageResult r = send(harness(""));
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        Map<String, List<String>> h = headers.get(0);
        assertThat(h.get("From")).containsExactly("a@b.test");
        assertThat(h.get("Rcpt")).containsExactly("c@d.test", "e@d.test");
        assertThat(h.get("Ip")).containsExactly("192.0.2.3");
        assertThat(h.get("Helo")).containsExactly("helo.test");
        assertThat(h.get("Content-length")).containsExactly(Integer.toString(bodies.get(0).length()));
        assertThat(bodies.get(0)).isEqualTo("Subject: hi\r\nX-Spam: forged\r\n\r\nbody\r\n");
    }

    @Test
    void rejectUsesRspamdsMessage() {
        answer = "{\"action\":\"reject\",\"score\":15,\"required_score\":15,\"symbols\":{\"GTUBE\":{\"score\":0}},\"messages\":{\"smtp_message\":\"Gtube pattern\"}}";
        FilterHarness h = harness("");
        StageResult r = send(h);
        assertThat(((Verdict.Reject) r.verdict()).reply().toWireText()).isEqualTo("554 5.7.1 Gtube pattern");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("RSPAMD_GTUBE", "RSPAMD_REJECT");
        assertThat(h.session().variables()).containsEntry("rs.result", "reject").containsEntry("rs.score", 15.0)
                .containsEntry("rs.symbols", List.of("GTUBE")).containsEntry("rs.explanation", "Gtube pattern");
    }

    @Test
    void addHeaderTagsAndAppliesTheMilterBlock() {
        answer = """
                {"action":"add header","score":7,"required_score":15,"symbols":{"TEST_RULE":{"score":7}},
                 "milter":{"add_headers":{"X-Spamd-Result":{"value":"default: False [7.00 / 15.00];\\r\\n\\tTEST_RULE(7.00)[]","order":-1},
                                          "X-Top":{"value":"first","order":0},
                                          "X-Many":["a",{"value":"b"}]},
                           "remove_headers":{"X-Spam":0,"X-Old":1,"X-Third":3}}}
                """;
        StageResult r = send(harness(""));
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(r.modifications()).contains(
                new Modification.ChangeHeader("X-Spam", 1, ""),
                new Modification.AddHeader("X-Spamd-Result", "default: False [7.00 / 15.00];\n\tTEST_RULE(7.00)[]"),
                new Modification.InsertHeader(0, "X-Top", "first"),
                new Modification.AddHeader("X-Many", "a"),
                new Modification.AddHeader("X-Many", "b"),
                new Modification.ChangeHeader("X-Spam", 1, "Yes"));
    }

    @Test
    void rewriteSubjectSoftRejectAndGreylistFollowTheSettings() {
        answer = "{\"action\":\"rewrite subject\",\"score\":8,\"required_score\":15,\"symbols\":{},\"subject\":\"*** SPAM *** hi\"}";
        assertThat(send(harness("")).modifications()).contains(new Modification.ChangeHeader("Subject", 1, "*** SPAM *** hi"));
        answer = "{\"action\":\"soft reject\",\"score\":8,\"required_score\":15,\"symbols\":{}}";
        assertThat(((Verdict.TempReject) send(harness("")).verdict()).reply().toWireText()).isEqualTo("451 4.7.1 Try again later");
        answer = "{\"action\":\"greylist\",\"score\":4,\"required_score\":15,\"symbols\":{}}";
        assertThat(send(harness(", onGreylist: continue")).verdict()).isEqualTo(Verdict.CONTINUE);
        answer = "{\"action\":\"reject\",\"score\":20,\"required_score\":15,\"symbols\":{}}";
        StageResult q = send(harness(", onReject: quarantine"));
        assertThat(q.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(q.modifications()).contains(new Modification.Quarantine("rspamd score 20.0"));
    }

    @Test
    void failuresAreTemporaryAndTimeoutsAreTimeouts() {
        status = 500;
        answer = "{\"error\":\"boom\"}";
        FilterHarness h = harness(", onError: tempreject");
        assertThat(send(h).verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("RSPAMD_TEMPERROR", "RS_ERROR");
        assertThat((String) h.session().variables().get("rs.explanation")).contains("answered HTTP 500");

        status = 200;
        answer = "{\"action\":\"no action\"}";
        delayMs = 2000;
        FilterHarness slow = harness(", ioTimeout: 300ms, onError: continue");
        long t0 = System.nanoTime();
        assertThat(send(slow).verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(1800);
        assertThat(slow.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("RSPAMD_TIMEOUT", "RS_TIMEOUT");
    }

    @Test
    void settingsAreChecked() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - rspamd: { address: \"unix:/run/rspamd.sock\" }\n", new RspamdFilterFactory()))
                .hasMessageContaining("unix sockets are not supported");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - rspamd: { address: x:1, onGreylist: ignore }\n", new RspamdFilterFactory()))
                .hasMessageContaining("onGreylist: must be reject, tempreject, discard, quarantine, accept, continue or tag");
        assertThat(FilterHarness.load("filters:\n  - rspamd: { address: \"inet:127.0.0.1:11333\" }\n", new RspamdFilterFactory()).chain()).hasSize(1);
    }
}
