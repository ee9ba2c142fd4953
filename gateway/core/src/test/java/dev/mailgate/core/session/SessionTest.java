// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.Modification;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SessionTest {
    static final java.util.concurrent.atomic.AtomicBoolean RELEASE = new java.util.concurrent.atomic.AtomicBoolean();

    /** A test filter whose behaviour at onMailFrom comes from its settings. */
    static final class Probe implements FilterFactory {
        public String type() { return "probe"; }

        public Filter create(FilterSettings s, FilterServices services) {
            s.allowOnly("mode");
            String mode = s.string("mode", "continue");
            return new Filter() {
                public Set<Stage> stages() { return Set.of(Stage.MAIL_FROM); }

                public Verdict onMailFrom(FilterContext ctx) throws Exception {
                    return switch (mode) {
                        case "throw" -> throw new IllegalStateException("boom");
                        case "hang" -> {
                            Thread.sleep(60_000);
                            yield Verdict.ACCEPT;
                        }
                        case "spin" -> {
                            // ignores interrupts, as a broken filter might
                            while (!RELEASE.get()) Thread.onSpinWait();
                            yield Verdict.ACCEPT;
                        }
                        case "report" -> {
                            ctx.report("PROBE_HIT", "test");
                            yield Verdict.CONTINUE;
                        }
                        case "seed" -> {
                            ctx.set(StandardVars.SMTP_ACTION, "reject");
                            ctx.set(StandardVars.SMTP_EXPLANATION, "5.7.1 set by a filter");
                            yield Verdict.CONTINUE;
                        }
                        default -> Verdict.CONTINUE;
                    };
                }
            };
        }
    }

    private static Session session(String yaml) {
        Policy p = new PolicyLoader(new FilterRegistry(List.of(new Probe())), Clock.systemUTC()).parse("t.yaml", yaml);
        return new Pipeline(p).open("t", MacroSource.NONE);
    }

    private static StageResult envelope(Session s, String from, String... rcpts) {
        s.process(new SessionEvent.Connect("[192.0.2.1]", "192.0.2.1", 4000, "", 0));
        s.process(new SessionEvent.Ehlo("client.example", true));
        StageResult r = s.process(new SessionEvent.MailFrom("<" + from + ">", List.of("SIZE=100")));
        for (String rc : rcpts) r = s.process(new SessionEvent.RcptTo("<" + rc + ">", List.of()));
        return r;
    }

    @Test
    void variablesFollowTheSeedsModel() {
        Session s = session("{}");
        envelope(s, "Alice@Example.ORG", "b@x.test", "c@y.test");
        assertThat(s.get(StandardVars.REMOTE_SMTP_IP)).isEqualTo("192.0.2.1");
        assertThat(s.get(StandardVars.EHLO_HOST)).isEqualTo("client.example");
        assertThat(s.get(StandardVars.MAIL_FROM_ADDR)).isEqualTo("Alice@Example.ORG");
        assertThat(s.get(StandardVars.MAIL_FROM_DOMAIN)).isEqualTo("example.org");
        assertThat(s.get(StandardVars.MAIL_FROM_SIZE)).isEqualTo(100L);
        assertThat(s.get(StandardVars.RECIPIENTS)).containsExactly("b@x.test", "c@y.test");
        assertThat(s.get(StandardVars.RCPT_COUNT)).isEqualTo(2L);
        s.process(new SessionEvent.Reset());
        assertThat(s.find(StandardVars.MAIL_FROM_ADDR)).isEmpty();
        assertThat(s.get(StandardVars.REMOTE_SMTP_IP)).isEqualTo("192.0.2.1");
    }

    @Test
    void matchesIsRe2PartialMatchingInBothForms() {
        Session s = session("""
                rules:
                  onMailFrom:
                    - if: mailFrom.matches("(?i)^spam[0-9]+@") && matches(mailFromDomain, "example[.](org|net)$")
                      then: { reject: "550 5.7.1 pattern" }
                """);
        s.process(new SessionEvent.Connect("h", "192.0.2.1", 1, "", 0));
        for (int i = 0; i < 2; i++) { // the second round uses the cached patterns
            assertThat(s.process(new SessionEvent.MailFrom("<Spam12@example.org>", List.of())).verdict()).isInstanceOf(Verdict.Reject.class);
            assertThat(s.process(new SessionEvent.MailFrom("<ham@example.org>", List.of())).verdict()).isEqualTo(Verdict.CONTINUE);
            assertThat(s.process(new SessionEvent.MailFrom("<spam1@example.com>", List.of())).verdict()).isEqualTo(Verdict.CONTINUE);
            assertThat(s.process(new SessionEvent.MailFrom("<x.spam7@example.net>", List.of())).verdict()).as("anchored at the start").isEqualTo(Verdict.CONTINUE);
        }
    }

    @Test
    void rejectAtRcptRefusesThatRecipientOnly() {
        Session s = session("""
                rules:
                  onRcptTo:
                    - if: rcptToDomain == "bad.test"
                      then: { reject: "550 5.1.1 no such user" }
                """);
        s.process(new SessionEvent.Connect("h", "192.0.2.1", 1, "", 0));
        s.process(new SessionEvent.MailFrom("<a@b.test>", List.of()));
        StageResult bad = s.process(new SessionEvent.RcptTo("<x@bad.test>", List.of()));
        StageResult good = s.process(new SessionEvent.RcptTo("<y@good.test>", List.of()));
        assertThat(bad.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) bad.verdict()).reply().toWireText()).isEqualTo("550 5.1.1 no such user");
        assertThat(bad.decidedBy()).isEqualTo("rule onRcptTo[1]");
        assertThat(good.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(StandardVars.RECIPIENTS)).containsExactly("y@good.test");
    }

    @Test
    void headerEditsResolveAgainstReceivedHeaders() {
        Session s = session("""
                rules:
                  onDataReceived:
                    - then:
                        - removeHeader: X-Internal
                        - addIfNotExistsHeader: "Subject: never added"
                        - modifyHeader: { name: Subject, value: "[tag] ${subject}" }
                        - addHeader: "X-Checked: yes"
                        - addIfNotExistsHeader: "X-Checked: twice"
                        - addRcpt: copy@archive.test
                """);
        envelope(s, "a@b.test", "c@d.test");
        s.process(new SessionEvent.Data());
        s.process(new SessionEvent.Header("X-Internal", "1"));
        s.process(new SessionEvent.Header("Subject", "hello"));
        s.process(new SessionEvent.Header("x-internal", "2"));
        s.process(new SessionEvent.EndOfHeaders());
        s.process(new SessionEvent.BodyChunk("body\r\n".getBytes()));
        StageResult r = s.process(new SessionEvent.EndOfData());
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(r.modifications()).containsExactly(
                new Modification.ChangeHeader("X-Internal", 2, ""),
                new Modification.ChangeHeader("X-Internal", 1, ""),
                new Modification.ChangeHeader("Subject", 1, "[tag] hello"),
                new Modification.AddHeader("X-Checked", "yes"),
                new Modification.AddRecipient("<copy@archive.test>", ""));
    }

    @Test
    void changeHeaderTouchesOnlyAnExistingOccurrence() {
        Session s = session("{}");
        envelope(s, "a@b.test", "c@d.test");
        s.process(new SessionEvent.Header("Authentication-Results", "upstream; spf=pass"));
        s.process(new SessionEvent.Header("Authentication-Results", "mx.test; spf=pass (forged)"));
        s.process(new SessionEvent.EndOfHeaders());
        s.edit().changeHeader("Authentication-Results", 2, "");
        s.edit().changeHeader("Authentication-Results", 2, "never added");
        StageResult r = s.process(new SessionEvent.EndOfData());
        assertThat(r.modifications()).containsExactly(new Modification.ChangeHeader("Authentication-Results", 2, ""));
    }

    @Test
    void scoresAndThresholds() {
        Session s = session("""
                filters:
                  - probe: { mode: report }
                rules:
                  onHeadersReceived:
                    - if: subject.contains("offer")
                      then: { report: SUBJECT_OFFER }
                scores: { PROBE_HIT: 2, SUBJECT_OFFER: 4 }
                actions: { addHeader: 5, reject: 10 }
                """);
        envelope(s, "a@b.test", "c@d.test");
        s.process(new SessionEvent.Header("Subject", "special offer"));
        s.process(new SessionEvent.EndOfHeaders());
        StageResult r = s.process(new SessionEvent.EndOfData());
        assertThat(s.get(StandardVars.SCORE)).isEqualTo(6.0);
        assertThat(s.get(StandardVars.FINDINGS)).containsExactly("PROBE_HIT", "SUBJECT_OFFER");
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(r.decidedBy()).isEqualTo("threshold addHeader");
        assertThat(r.modifications()).contains(new Modification.ChangeHeader("X-Spam-Flag", 1, "YES"));
    }

    @Test
    void throwingFilterGivesItsOnErrorVerdict() {
        Session s = session("filters:\n  - probe: { mode: throw, onError: tempreject }\n");
        StageResult r = envelope(s, "a@b.test");
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(r.decidedBy()).isEqualTo("filter probe");
        assertThat(s.get(StandardVars.FINDINGS)).containsExactly("PROBE_ERROR");
    }

    @Test
    void hangingFilterIsCutAtItsDeadlineAndScored() throws Exception {
        Session s = session("filters:\n  - probe: { mode: hang, timeout: 200ms, onError: { score: 3 } }\n");
        s.process(new SessionEvent.Connect("h", "192.0.2.1", 1, "", 0));
        long t0 = System.nanoTime();
        StageResult r = s.dispatch(new SessionEvent.MailFrom("<a@b.test>", List.of())).get(5, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(4000);
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(StandardVars.FINDINGS)).containsExactly("PROBE_TIMEOUT");
        assertThat(s.get(StandardVars.SCORE)).isEqualTo(3.0);
    }

    @Test
    void aFilterIgnoringInterruptsStillGetsTheMtaAnAnswer() throws Exception {
        RELEASE.set(false);
        Session s = session("filters:\n  - probe: { mode: spin, timeout: 100ms }\n");
        s.process(new SessionEvent.Connect("h", "192.0.2.1", 1, "", 0));
        try {
            StageResult r = s.dispatch(new SessionEvent.MailFrom("<a@b.test>", List.of())).get(30, TimeUnit.SECONDS);
            assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
            assertThat(r.decidedBy()).isEqualTo("stage deadline");
        } finally {
            RELEASE.set(true);
        }
    }

    @Test
    void aFilterMayDecideTheSeedsWayThroughSmtpAction() {
        Session s = session("filters:\n  - probe: { mode: seed }\n");
        StageResult r = envelope(s, "a@b.test");
        assertThat(r.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) r.verdict()).reply().toWireText()).isEqualTo("550 5.7.1 set by a filter");
    }

    @Test
    void connectionAcceptSkipsEverythingAfter() {
        Session s = session("""
                networks: { trusted: [192.0.2.0/24] }
                rules:
                  onConnect:
                    - if: inNetwork(remoteSmtpIp, "trusted")
                      then: accept
                  onMailFrom:
                    - then: reject
                """);
        StageResult c = s.process(new SessionEvent.Connect("h", "192.0.2.9", 1, "", 0));
        assertThat(c.verdict()).isEqualTo(Verdict.ACCEPT);
        assertThat(s.process(new SessionEvent.MailFrom("<a@b>", List.of())).verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void macrosAreReadableAndMapped() {
        Policy p = new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC()).parse("t.yaml", """
                rules:
                  onConnect:
                    - if: macro.daemon_name == "smtpd-in" && mtaHostname == "mx.test"
                      then: { reject: "5.7.1 matched" }
                """);
        Map<String, String> m = Map.of("j", "mx.test", "daemon_name", "smtpd-in", "daemon_addr", "10.0.0.1");
        MacroSource src = new MacroSource() {
            public Optional<String> get(String n) { return Optional.ofNullable(m.get(n)); }
            public Map<String, String> all() { return m; }
        };
        Session s = new Pipeline(p).open("t", src);
        StageResult r = s.process(new SessionEvent.Connect("h", "192.0.2.9", 1, "", 0));
        assertThat(r.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(s.get(StandardVars.SMTP_IP)).isEqualTo("10.0.0.1");
    }

    @Test
    void largeBodiesSpillToDiskAndTheFileIsRemoved() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("mailgate-body");
        FilterFactory reader = new FilterFactory() {
            public String type() { return "reader"; }
            public Filter create(FilterSettings s, FilterServices services) {
                return new Filter() {
                    public Set<Stage> stages() { return Set.of(Stage.DATA_RECEIVED); }
                    public boolean needsBody() { return true; }
                    public Verdict onDataReceived(FilterContext ctx) throws Exception {
                        try (var in = ctx.body().orElseThrow().open()) {
                            long n = in.transferTo(java.io.OutputStream.nullOutputStream());
                            return n == 300_000 ? Verdict.CONTINUE : Verdict.reject("5.0.0 wrong size " + n);
                        }
                    }
                };
            }
        };
        Policy p = new PolicyLoader(new FilterRegistry(List.of(reader)), Clock.systemUTC()).parse("t.yaml",
                "message: { memoryLimit: 64KiB, tempDirectory: " + dir + " }\nfilters:\n  - reader: {}\n");
        Session s = new Pipeline(p).open("t", MacroSource.NONE);
        envelope(s, "a@b.test", "c@d.test");
        s.process(new SessionEvent.EndOfHeaders());
        for (int i = 0; i < 3; i++) s.dispatch(new SessionEvent.BodyChunk(new byte[100_000])).get(5, TimeUnit.SECONDS);
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.count()).isEqualTo(1);
        }
        StageResult r = s.dispatch(new SessionEvent.EndOfData()).get(5, TimeUnit.SECONDS);
        assertThat(r.verdict()).isEqualTo(Verdict.CONTINUE);
        s.process(new SessionEvent.Reset());
        try (var files = java.nio.file.Files.list(dir)) {
            assertThat(files.count()).isZero();
        }
    }

    @Test
    void setOnABooleanTakesTheSeedsSpellingsAndRefusesTheRest() {
        Session s = session("""
                rules:
                  onConnect:
                    - then:
                        - set: { forceTLS: 1 }
                        - set: { tryTLS: "yes" }
                        - set: { verifyCert: "0" }
                        - set: { checkCertName: maybe }
                """);
        s.process(new SessionEvent.Connect("[192.0.2.1]", "192.0.2.1", 40000, "127.0.0.1", 25));
        assertThat(s.get(dev.mailgate.api.StandardVars.FORCE_TLS)).isTrue();
        assertThat(s.get(dev.mailgate.api.StandardVars.TRY_TLS)).isTrue();
        assertThat(s.find(dev.mailgate.api.StandardVars.VERIFY_CERT)).contains(false);
        // not a boolean: the action fails (logged) and the variable stays unset, rather than false
        assertThat(s.find(dev.mailgate.api.StandardVars.CHECK_CERT_NAME)).isEmpty();
    }

    private static void message(Session s, int headers) {
        s.process(new SessionEvent.MailFrom("<a@example.org>", List.of()));
        s.process(new SessionEvent.RcptTo("<b@example.net>", List.of()));
        s.process(new SessionEvent.Data());
        for (int i = 0; i < headers; i++) s.process(new SessionEvent.Header("X-Filler-" + i, "y".repeat(80)));
    }

    @Test
    void aHeaderBlockPastMaxHeaderSizeIsRefusedWhereTheMtaWaitsAndNotHeld() {
        Session s = session("""
                message: { maxHeaderSize: 4KiB }
                rules:
                  onHeadersReceived:
                    - if: subject == "never"
                      then: reject
                """);
        s.process(new SessionEvent.Connect("[192.0.2.1]", "192.0.2.1", 40000, "127.0.0.1", 25));
        message(s, 100); // about 10 KiB of fields
        StageResult eoh = s.process(new SessionEvent.EndOfHeaders());
        assertThat(eoh.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(eoh.verdict().toString()).contains("552").contains("5.3.4");
        assertThat(eoh.decidedBy()).isEqualTo("message.maxHeaderSize");
        assertThat(s.headers()).hasSizeLessThan(50); // the fields past the limit were never kept
        // the next message of the session is judged on its own
        s.process(new SessionEvent.Reset());
        message(s, 3);
        assertThat(s.process(new SessionEvent.EndOfHeaders()).verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void withoutAnAnswerAtEndOfHeadersTheRefusalComesAtTheEndOfData() {
        Session s = session("message: { maxHeaderSize: 4KiB }\n");
        s.process(new SessionEvent.Connect("[192.0.2.1]", "192.0.2.1", 40000, "127.0.0.1", 25));
        message(s, 100);
        // the MTA was told it need not wait at end of headers: nothing may be answered there
        assertThat(s.process(new SessionEvent.EndOfHeaders()).verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.process(new SessionEvent.BodyChunk("body\r\n".getBytes())).skipBody()).isTrue();
        StageResult eod = s.process(new SessionEvent.EndOfData());
        assertThat(eod.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(eod.decidedBy()).isEqualTo("message.maxHeaderSize");
        assertThat(eod.modifications()).isEmpty();
    }
}
