// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.milter;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Modification;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.ListenAddress;
import dev.mailgate.core.policy.ListenerConfig;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.milter.server.MilterServer;
import dev.mailgate.testkit.FilterHarness;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The milter filter against a real milter server on loopback: another mailgate (our milter
 * server with its own policy), as "another gateway" downstream.
 */
class MilterFilterTest {
    static final String DOWNSTREAM = """
            rules:
              onRcptTo:
                - if: rcptTo == "nobody@d.test"
                  then: { reject: "550 5.1.1 no such user\\nthere" }
              onDataReceived:
                - if: subject == "reject me"
                  then: { reject: "554 5.7.1 refused downstream" }
                - if: subject == "discard me"
                  then: discard
                - then:
                    - addHeader: "X-Downstream: from ${mailFrom} via ${remoteSmtpIp} helo ${ehloHost} rcpts ${rcptCount}"
                    - modifyHeader: { name: Subject, value: "[down] ${subject}" }
                    - removeFirstHeader: X-Drop
                    - addRcpt: extra@d.test
                    - discardRcpt: gone@d.test
                    - changeFrom: new@d.test
                    - replaceBody: "replaced downstream"
            """;

    MilterServer server;
    int port;

    @BeforeEach
    void startDownstream() throws Exception {
        Policy p = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC()).parse("downstream.yaml", DOWNSTREAM);
        server = new MilterServer(new Pipeline(p), p.milter(), 1);
        InetSocketAddress a = (InetSocketAddress) server.bind(new ListenerConfig("milter", ListenAddress.parse("inet:127.0.0.1:0"), null, null, null));
        port = a.getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private FilterHarness harness(String settings) {
        return FilterHarness.of("filters:\n  - milter: { name: down, address: \"inet:127.0.0.1:" + port + "\"" + settings + " }\n", new MilterFilterFactory());
    }

    private static StageResult message(FilterHarness h, String subject, String... rcpts) {
        h.mailFrom("a@b.test");
        for (String r : rcpts) h.rcptTo(r);
        h.header("Subject", subject).header("X-Drop", "1").endOfHeaders().body("original body\r\n");
        return h.endOfData();
    }

    @Test
    void everyStageIsForwardedAndTheDownstreamsChangesBecomeOurs() {
        FilterHarness h = harness("");
        h.connect("192.0.2.5").ehlo("client.test");
        StageResult r = message(h, "hello", "r@d.test", "gone@d.test");
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        List<Modification> mods = r.modifications();
        assertThat(mods).contains(
                new Modification.AddHeader("X-Downstream", "from a@b.test via 192.0.2.5 helo client.test rcpts 2"),
                new Modification.ChangeHeader("Subject", 1, "[down] hello"),
                new Modification.ChangeHeader("X-Drop", 1, ""),
                new Modification.AddRecipient("<extra@d.test>", ""),
                new Modification.RemoveRecipient("<gone@d.test>"),
                new Modification.ChangeSender("<new@d.test>", ""));
        Modification.ReplaceBody body = mods.stream().filter(m -> m instanceof Modification.ReplaceBody).map(Modification.ReplaceBody.class::cast).findFirst().orElseThrow();
        assertThat(read(body)).isEqualTo("replaced downstream\r\n");
        assertThat(h.session().variables()).containsEntry("down.result", "accept").containsEntry("down.action", "continue");
    }

    @Test
    void downstreamRefusalsDecide() {
        FilterHarness h = harness("");
        h.connect("192.0.2.5").ehlo("client.test").mailFrom("a@b.test");
        StageResult rcpt = h.rcptTo("nobody@d.test");
        assertThat(rcpt.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) rcpt.verdict()).reply().toWireText()).isEqualTo("550-5.1.1 no such user\r\n550 5.1.1 there");
        assertThat(h.rcptTo("ok@d.test").verdict()).isEqualTo(Verdict.CONTINUE);
        h.header("Subject", "reject me").endOfHeaders().body("x\r\n");
        StageResult end = h.endOfData();
        assertThat(((Verdict.Reject) end.verdict()).reply().toWireText()).isEqualTo("554 5.7.1 refused downstream");
        assertThat(end.modifications()).isEmpty();
        assertThat(h.get(StandardVars.FINDINGS)).contains("MILTER_REJECT");
        assertThat(h.session().variables()).containsEntry("down.result", "reject").containsEntry("down.explanation", "554 5.7.1 refused downstream");

        StageResult discarded = message(h, "discard me", "ok@d.test");
        assertThat(discarded.verdict()).isEqualTo(Verdict.DISCARD);
    }

    @Test
    void aFilterAddedByARuleReplaysTheSessionAtTheEndOfData() {
        FilterHarness h = FilterHarness.of("""
                rules:
                  onDataReceived:
                    - then:
                        - addFilter: { filterName: late, filterType: milter, filterAddress: "inet:127.0.0.1:%d" }
                        - executeFilters: late
                """.formatted(port), new MilterFilterFactory());
        h.connect("192.0.2.9").ehlo("late.test");
        StageResult r = message(h, "late", "r1@d.test", "r2@d.test");
        assertThat(r.modifications()).contains(new Modification.AddHeader("X-Downstream", "from a@b.test via 192.0.2.9 helo late.test rcpts 2"));
        assertThat(h.session().variables()).containsEntry("late.result", "accept");
    }

    @Test
    void connectionsAreKeptForTheNextSessionWhenReuseIsOn() {
        FilterHarness h = harness(", maxIdleConnections: 2");
        h.connect("192.0.2.5").ehlo("one.test");
        message(h, "hello", "r@d.test");
        MilterFilter f = (MilterFilter) h.session().policy().chain().get(0).filter();
        h.session().process(new dev.mailgate.core.session.SessionEvent.Disconnect());
        // the same filter instance serves the next session over the kept connection (QUIT_NC)
        var s2 = new Pipeline(h.session().policy()).open("second", dev.mailgate.core.session.MacroSource.NONE);
        s2.process(new dev.mailgate.core.session.SessionEvent.Connect("[192.0.2.6]", "192.0.2.6", 1, "", 0));
        s2.process(new dev.mailgate.core.session.SessionEvent.Ehlo("two.test", true));
        s2.process(new dev.mailgate.core.session.SessionEvent.MailFrom("<x@b.test>", List.of()));
        s2.process(new dev.mailgate.core.session.SessionEvent.RcptTo("<r@d.test>", List.of()));
        s2.process(new dev.mailgate.core.session.SessionEvent.Header("Subject", "second"));
        s2.process(new dev.mailgate.core.session.SessionEvent.EndOfHeaders());
        StageResult r = s2.process(new dev.mailgate.core.session.SessionEvent.EndOfData());
        assertThat(r.modifications()).contains(new Modification.AddHeader("X-Downstream", "from x@b.test via 192.0.2.6 helo two.test rcpts 1"));
        assertThat(f.connectionsOpened()).isEqualTo(1);
    }

    @Test
    void aDownstreamThatIsDownGivesTheOnErrorVerdict() throws Exception {
        int dead;
        try (ServerSocket s = new ServerSocket(0)) {
            dead = s.getLocalPort();
        }
        FilterHarness h = FilterHarness.of("filters:\n  - milter: { name: down, address: \"inet:127.0.0.1:" + dead + "\", onError: tempreject }\n", new MilterFilterFactory());
        h.connect("192.0.2.5");
        assertThat(h.last().verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactlyInAnyOrder("MILTER_TEMPERROR", "DOWN_ERROR");
        assertThat((String) h.session().variables().get("down.explanation")).contains("milter down at").contains("cannot connect");
    }

    @Test
    void aHangingDownstreamIsCutAndALaterStageStartsOver() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket hang = new ServerSocket(0)) {
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) held.add(hang.accept());
                } catch (IOException e) {
                    // closed
                }
            });
            FilterHarness h = FilterHarness.of("filters:\n  - milter: { name: down, address: \"inet:127.0.0.1:" + hang.getLocalPort()
                    + "\", ioTimeout: 300ms, onError: continue }\n", new MilterFilterFactory());
            long t0 = System.nanoTime();
            h.connect("192.0.2.5");
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(3000);
            assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
            assertThat(h.get(StandardVars.FINDINGS)).containsExactly("MILTER_TIMEOUT", "DOWN_TIMEOUT");
            assertThat(h.session().variables()).containsEntry("down.result", "timeout");
            h.ehlo("again.test");
            assertThat(held).as("the next stage opened a new connection").hasSize(2);
        } finally {
            for (Socket s : held) s.close();
        }
    }

    private static String read(Modification.ReplaceBody b) {
        try (InputStream in = b.body().open()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
