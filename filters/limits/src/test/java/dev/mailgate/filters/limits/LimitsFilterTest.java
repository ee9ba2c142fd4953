// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.testkit.FilterHarness;
import org.junit.jupiter.api.Test;

class LimitsFilterTest {
    private static FilterHarness harness(String settings) {
        return FilterHarness.of("filters:\n  - limits: " + settings + "\n", new LimitsFilterFactory());
    }

    @Test
    void recipientLimitRefusesTheOneTooMany() {
        FilterHarness h = harness("{ maxRcptCount: 2 }").connect("192.0.2.1").mailFrom("a@b.test");
        assertThat(h.rcptTo("1@x.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.rcptTo("2@x.test").verdict()).isEqualTo(Verdict.CONTINUE);
        StageResult third = h.rcptTo("3@x.test");
        assertThat(third.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(((Verdict.TempReject) third.verdict()).reply().toWireText()).isEqualTo("452 4.5.3 Too many recipients");
        assertThat(h.get(StandardVars.RECIPIENTS)).containsExactly("1@x.test", "2@x.test");
    }

    @Test
    void declaredSizeAboveTheLimitIsRefusedAtMail() {
        FilterHarness h = harness("{ maxDataSize: 1000 }").connect("192.0.2.1").mailFrom("a@b.test", "SIZE=1001");
        assertThat(h.last().verdict()).isInstanceOf(Verdict.Reject.class);
        FilterHarness ok = harness("{ maxDataSize: 1000 }").connect("192.0.2.1").mailFrom("a@b.test", "SIZE=1000");
        assertThat(ok.last().verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void streamedBodyAboveTheLimitIsRefusedAtTheChunkThatCrossesIt() {
        FilterHarness h = harness("{ maxDataSize: 10KiB }").connect("192.0.2.1").mailFrom("a@b.test");
        h.rcptTo("c@d.test");
        h.endOfHeaders().body(new byte[10 * 1024]);
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        h.body(new byte[1]);
        assertThat(h.last().verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) h.last().verdict()).reply().code()).isEqualTo(552);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("LIMITS_SIZE");
    }

    @Test
    void receivedLoopIsRefused() {
        FilterHarness h = harness("{ maxReceivedHeaders: 2 }").connect("192.0.2.1").mailFrom("a@b.test");
        h.rcptTo("c@d.test");
        h.header("Received", "a").header("Received", "b").endOfHeaders();
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        FilterHarness loop = harness("{ maxReceivedHeaders: 2 }").connect("192.0.2.1").mailFrom("a@b.test");
        loop.rcptTo("c@d.test");
        loop.header("Received", "a").header("received", "b").header("Received", "c").endOfHeaders();
        assertThat(((Verdict.Reject) loop.last().verdict()).reply().toWireText()).startsWith("554 5.4.6");
    }

    @Test
    void aRuleMayChangeAConfiguredLimitPerClient() {
        FilterHarness h = FilterHarness.of("""
                filters:
                  - limits: { maxRcptCount: 1 }
                rules:
                  onConnect:
                    - if: remoteSmtpIp == "192.0.2.50"
                      then: { set: { maxRcptCount: 3 } }
                """, new LimitsFilterFactory());
        h.connect("192.0.2.50").mailFrom("a@b.test");
        h.rcptTo("1@x.test");
        h.rcptTo("2@x.test");
        assertThat(h.rcptTo("3@x.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.rcptTo("4@x.test").verdict()).isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void unconfiguredLimitsCostNoStage() {
        var p = FilterHarness.load("filters:\n  - limits: { maxRcptCount: 5 }\n", new LimitsFilterFactory());
        assertThat(p.chain(Stage.BODY_CHUNK)).isEmpty();
        assertThat(p.chain(Stage.RCPT_TO)).hasSize(1);
        assertThat(p.decides(Stage.CONNECT)).as("only sets variables at onConnect").isFalse();
        assertThat(p.decides(Stage.RCPT_TO)).isTrue();
    }

    @Test
    void badSettingsAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - limits: { maxRcptCount: -1 }\n", new LimitsFilterFactory()))
                .hasMessageContaining("harness.yaml:2:").hasMessageContaining("must be 0 (no limit) or more");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - limits: { maxRcpts: 3 }\n", new LimitsFilterFactory()))
                .hasMessageContaining("unknown key 'maxRcpts'");
    }
}
