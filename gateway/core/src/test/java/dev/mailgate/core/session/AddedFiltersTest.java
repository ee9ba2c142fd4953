// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.policy.PolicyLoader;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;

/** The seeds' addFilter / executeFilters / filterNamePattern / {@code <filterName>.result}. */
class AddedFiltersTest {
    /** Calls seen by every scanner instance: "name:event". */
    static final ConcurrentLinkedQueue<String> CALLS = new ConcurrentLinkedQueue<>();

    static final java.util.concurrent.atomic.AtomicInteger CLOSED = new java.util.concurrent.atomic.AtomicInteger();

    /** A scanner whose answer at onDataReceived depends on the subject; it publishes the seeds' variables. */
    static final class Scanner implements FilterFactory {
        public String type() { return "scanner"; }

        public Filter create(FilterSettings s, FilterServices services) {
            s.allowOnly("address", "mode");
            String address = s.string("address").orElseThrow(() -> s.invalid("address", "is required"));
            String mode = s.string("mode", "normal");
            String name = s.name();
            Var<String> result = Var.string(name + ".result", Scope.TRANSACTION, Stage.DATA_RECEIVED, "result");
            Var<String> action = Var.string(name + ".action", Scope.TRANSACTION, Stage.DATA_RECEIVED, "action");
            Var<String> explanation = Var.string(name + ".explanation", Scope.TRANSACTION, Stage.DATA_RECEIVED, "explanation");
            abstract class Closeable implements Filter, AutoCloseable {}
            return new Closeable() {
                public void close() { CLOSED.incrementAndGet(); }

                public Set<Stage> stages() { return Set.of(Stage.DATA_RECEIVED, Stage.RESET); }

                public List<Var<?>> provides() { return List.of(result, action, explanation); }

                public boolean needsBody() { return true; }

                public Verdict onDataReceived(FilterContext ctx) throws Exception {
                    CALLS.add(name + ":" + ctx.stage().eventName());
                    if (mode.equals("throw")) throw new IllegalStateException("scanner at " + address + " is down");
                    if (mode.equals("slow")) throw new java.net.SocketTimeoutException("scanner at " + address + ": no answer in time");
                    boolean bad = ctx.get(StandardVars.SUBJECT).contains("virus");
                    ctx.set(result, bad ? "infected" : "clean");
                    ctx.set(action, bad ? "reject" : "continue");
                    ctx.set(explanation, bad ? "Test-Virus via " + address : "");
                    ctx.edit().addHeader("X-Scanned-By", name);
                    return bad ? Verdict.reject("554 5.7.1 virus found by " + name) : Verdict.CONTINUE;
                }

                public void onReset(FilterContext ctx) {
                    CALLS.add(name + ":" + ctx.stage().eventName());
                }
            };
        }
    }

    private static Policy load(String yaml) {
        return new PolicyLoader(new FilterRegistry(List.of(new Scanner())), Clock.systemUTC()).parse("a.yaml", yaml);
    }

    private static Session session(String yaml) {
        CALLS.clear();
        return new Pipeline(load(yaml)).open("t", MacroSource.NONE);
    }

    private static StageResult message(Session s, String from, String subject) {
        s.process(new SessionEvent.MailFrom("<" + from + ">", List.of()));
        s.process(new SessionEvent.RcptTo("<r@x.test>", List.of()));
        s.process(new SessionEvent.Header("Subject", subject));
        s.process(new SessionEvent.EndOfHeaders());
        s.process(new SessionEvent.BodyChunk("body\r\n".getBytes()));
        return s.process(new SessionEvent.EndOfData());
    }

    @Test
    void theStageDeadlineAllowsForAddedFiltersTheStageExecutes() {
        Policy p = load("""
                rules:
                  onMailFrom:
                    - then:
                        addFilter: { filterName: av, filterType: scanner, filterAddress: "unix:/run/av.sock", timeout: 40s }
                  onDataReceived:
                    - then: { executeFilters: "av" }
                """);
        // a 40 s scan must not be cut short by the stage's own deadline
        assertThat(p.stageDeadline(Stage.DATA_RECEIVED)).isEqualTo(java.time.Duration.ofSeconds(45));
        assertThat(p.runsInline(Stage.DATA_RECEIVED)).isFalse();
        assertThat(p.stageDeadline(Stage.HEADERS_RECEIVED)).isEqualTo(java.time.Duration.ofSeconds(5));
    }

    private static final String SEED_POLICY = """
            rules:
              onMailFrom:
                - if: mailFrom.endsWith("@scan.test")
                  then:
                    addFilter: { filterName: av-one, filterType: scanner, filterAddress: "unix:/run/av.sock" }
              onDataReceived:
                - then: { executeFilters: "av-*" }
            """;

    @Test
    void executeFiltersRunsOnlyFiltersTheSessionAddedAndTheirVerdictDecides() {
        Session s = session(SEED_POLICY);
        s.process(new SessionEvent.Connect("h", "192.0.2.1", 1, "", 0));
        StageResult clean = message(s, "a@other.test", "a virus");
        assertThat(clean.verdict()).as("not added for this sender").isEqualTo(Verdict.CONTINUE);
        assertThat(CALLS).isEmpty();

        StageResult hit = message(s, "a@scan.test", "a virus");
        assertThat(hit.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(((Verdict.Reject) hit.verdict()).reply().toWireText()).isEqualTo("554 5.7.1 virus found by av-one");
        assertThat(hit.decidedBy()).isEqualTo("rule onDataReceived[1]");
        assertThat(s.variables()).containsEntry("av-one.result", "infected").containsEntry("av-one.action", "reject")
                .containsEntry("addFilterResult", "success");

        StageResult next = message(s, "a@other.test", "a virus");
        assertThat(next.verdict()).as("added for the previous message only").isEqualTo(Verdict.CONTINUE);
        assertThat(CALLS).containsExactly("av-one:onDataReceived", "av-one:onReset");
    }

    @Test
    void withoutDecideLaterRulesReadTheResultAndTheFilterEditsStay() {
        Session s = session("""
                rules:
                  onConnect:
                    - then:
                        addFilter: { filterName: av, filterType: scanner, filterAddress: "inet:127.0.0.1:3310" }
                  onDataReceived:
                    - then:
                        - set: { filterNamePattern: "av" }
                        - executeFilters: { decide: false }
                    - if: av.result == "infected"
                      then: { reject: "550 5.7.1 ${av.explanation}" }
                """);
        s.process(new SessionEvent.Connect("h", "192.0.2.1", 1, "", 0));
        StageResult hit = message(s, "a@b.test", "virus inside");
        assertThat(((Verdict.Reject) hit.verdict()).reply().toWireText()).isEqualTo("550 5.7.1 Test-Virus via inet:127.0.0.1:3310");
        assertThat(hit.decidedBy()).isEqualTo("rule onDataReceived[2]");
        StageResult ok = message(s, "a@b.test", "hello");
        assertThat(ok.verdict()).as("added at onConnect: for the whole session").isEqualTo(Verdict.CONTINUE);
        assertThat(ok.modifications()).hasSize(1);
        assertThat(s.variables()).containsEntry("av.result", "clean");
    }

    @Test
    void aFailingAddedFilterGetsItsOnErrorAndPublishesTheFailure() {
        Session s = session("""
                rules:
                  onConnect:
                    - then:
                        addFilter: { filterName: av, filterType: scanner, filterAddress: "unix:/x", mode: throw, onError: tempreject }
                  onDataReceived:
                    - then: { executeFilters: av }
                """);
        s.process(new SessionEvent.Connect("h", "192.0.2.1", 1, "", 0));
        StageResult r = message(s, "a@b.test", "hello");
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(s.variables()).containsEntry("av.result", "error").containsEntry("av.action", "tempreject");
        assertThat((String) s.variables().get("av.explanation")).contains("scanner at unix:/x is down");
        assertThat(s.get(StandardVars.FINDINGS)).containsExactly("AV_ERROR");
    }

    @Test
    void aFiltersOwnIoTimeoutCountsAsATimeout() {
        Session s = session("""
                rules:
                  onConnect:
                    - then:
                        addFilter: { filterName: av, filterType: scanner, filterAddress: "unix:/x", mode: slow, onError: continue }
                  onDataReceived:
                    - then: { executeFilters: av }
                """);
        s.process(new SessionEvent.Connect("h", "192.0.2.1", 1, "", 0));
        assertThat(message(s, "a@b.test", "hello").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.variables()).containsEntry("av.result", "timeout").containsEntry("av.action", "continue");
        assertThat(s.get(StandardVars.FINDINGS)).containsExactly("AV_TIMEOUT");
    }

    @Test
    void addedFiltersShapeThePolicy() {
        Policy p = load(SEED_POLICY);
        assertThat(p.addedFilters()).containsOnlyKeys("av-one");
        assertThat(p.chain(Stage.DATA_RECEIVED)).as("not in the chain").isEmpty();
        assertThat(p.needsBody()).isTrue();
        assertThat(p.runsInline(Stage.DATA_RECEIVED)).as("a blocking filter runs there").isFalse();
        assertThat(p.runsInline(Stage.MAIL_FROM)).isTrue();
        assertThat(p.describe()).contains("addFilter av-one (scanner").contains("executeFilters av-*").contains("addFilter av-one");
        assertThat(p.variables()).containsKeys("av-one.result", "addFilterResult", "filterNamePattern");
    }

    @Test
    void namePatternsAreTheSeedsWildcards() {
        var p = dev.mailgate.core.policy.NamePattern.compile("clam*, spam?d,rspamd");
        assertThat(p.matches("clamav")).isTrue();
        assertThat(p.matches("spamsd")).isTrue();
        assertThat(p.matches("rspamd")).isTrue();
        assertThat(p.matches("spamd")).isFalse();
        assertThat(p.matches("xclam")).isFalse();
        assertThat(dev.mailgate.core.policy.NamePattern.compile("a.b").matches("axb")).as("a dot is a dot").isFalse();
        assertThat(dev.mailgate.core.policy.NamePattern.compile("").matches("")).isFalse();
    }

    @Test
    void retiringThePolicyClosesItsFilters() {
        int before = CLOSED.get();
        Policy p = load(SEED_POLICY);
        p.close();
        assertThat(CLOSED.get()).isEqualTo(before + 1);
    }

    @Test
    void mistakesAreRefusedAtLoadWithTheirPosition() {
        assertThatThrownBy(() -> load(SEED_POLICY.replace("\"av-*\"", "\"clam*\"")))
                .isInstanceOf(PolicyException.class).hasMessageContaining("a.yaml:7:").hasMessageContaining("no filter declared with addFilter matches 'clam*'");
        assertThatThrownBy(() -> load("rules:\n  onConnect:\n    - then: { addFilter: nothing }\n"))
                .hasMessageContaining("a.yaml:3:").hasMessageContaining("no addFilter declares a filter called 'nothing'");
        assertThatThrownBy(() -> load(SEED_POLICY.replace("filterAddress: \"unix:/run/av.sock\"", "filterAddress: \"unix:/run/av.sock\", speed: 3")))
                .hasMessageContaining("a.yaml:5:").hasMessageContaining("unknown key 'speed'");
        assertThatThrownBy(() -> load(SEED_POLICY.replace("filterType: scanner", "filterType: scaner")))
                .hasMessageContaining("unknown filter type 'scaner'");
        assertThatThrownBy(() -> load(SEED_POLICY.replace("onDataReceived:", "onRcptTo:")))
                .hasMessageContaining("none of the filters matching 'av-*' acts at onRcptTo");
        assertThatThrownBy(() -> load(SEED_POLICY + "    - then: { addFilter: { filterName: av-one, filterType: scanner, filterAddress: x } }\n"))
                .hasMessageContaining("declared by another addFilter already");
        assertThatThrownBy(() -> load("rules:\n  onDataReceived:\n    - if: av.result == \"x\"\n      then: reject\n"))
                .as("no filter, no variable").hasMessageContaining("unknown variable 'av'");
    }
}
