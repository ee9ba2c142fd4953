// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.NoWait;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.PolicyLoader;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Checks that start early (Filter.startsEarly): the stage answers without waiting, the result
 * is awaited where something reads it, and a verdict travels to the first stage that can answer.
 */
class EarlyChecksTest {
    static final Var<String> RESULT = Var.string("lookupResult", Scope.CONNECTION, Stage.CONNECT, "what the lookup found");

    /** A slow lookup at onConnect: it waits for {@link #answer} before it reports "listed". */
    static final class Lookup implements FilterFactory {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch answer = new CountDownLatch(1);
        final AtomicBoolean interrupted = new AtomicBoolean();

        public String type() { return "lookup"; }

        public Filter create(FilterSettings s, FilterServices services) {
            s.allowOnly("fail");
            boolean fail = s.bool("fail", false);
            return new Filter() {
                public Set<Stage> stages() { return Set.of(Stage.CONNECT); }

                public boolean startsEarly(Stage stage) { return true; }

                public List<Var<?>> provides() { return List.of(RESULT); }

                public Verdict onConnect(FilterContext ctx) throws Exception {
                    started.countDown();
                    // where it would wait: a first try on the session's thread ends here (as DNS lookups do)
                    if (answer.getCount() > 0) NoWait.blockedIfAttempting();
                    try {
                        answer.await();
                    } catch (InterruptedException e) {
                        interrupted.set(true);
                        throw e;
                    }
                    if (fail) throw new java.io.IOException("SERVFAIL for " + ctx.get(StandardVars.REMOTE_SMTP_IP));
                    ctx.set(RESULT, "listed");
                    ctx.report("LOOKUP_LISTED", ctx.get(StandardVars.REMOTE_SMTP_IP));
                    return Verdict.CONTINUE;
                }
            };
        }
    }

    /** Reads the lookup's result at onEhlo; it does not start early, so it must see the answer. */
    static final class Reader implements FilterFactory {
        volatile String seen;

        public String type() { return "reader"; }

        public Filter create(FilterSettings s, FilterServices services) {
            return new Filter() {
                public Set<Stage> stages() { return Set.of(Stage.EHLO); }

                public boolean blocking() { return false; }

                public Verdict onEhlo(FilterContext ctx) {
                    seen = ctx.get(RESULT);
                    return Verdict.CONTINUE;
                }
            };
        }
    }

    private final Lookup lookup = new Lookup();
    private final Reader reader = new Reader();

    private Session open(String yaml) {
        var policy = new PolicyLoader(new FilterRegistry(List.of(lookup, reader)), Clock.systemUTC()).parse("early.yaml", yaml);
        return new Pipeline(policy).open("t", MacroSource.NONE);
    }

    private static SessionEvent.Connect connect() {
        return new SessionEvent.Connect("[192.0.2.7]", "192.0.2.7", 40000, "127.0.0.1", 25);
    }

    /** Lets the lookup answer a little later, from another thread, as a DNS server would. */
    private void answerSoon() {
        Thread.startVirtualThread(() -> {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
            lookup.answer.countDown();
        });
    }

    @Test
    void theStageAnswersAtOnceAndARuleThatReadsTheResultAwaitsIt() throws Exception {
        Session s = open("""
                filters:
                  - lookup: {}
                rules:
                  onMailFrom:
                    - if: lookupResult == "listed"
                      then: { smtpAction: reject, smtpExplanation: "554 5.7.1 listed" }
                """);
        assertThat(s.process(connect()).verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(lookup.started.await(5, TimeUnit.SECONDS)).isTrue();
        assertThat(lookup.answer.getCount()).as("onConnect returned while the lookup still waits").isEqualTo(1);
        assertThat(s.process(new SessionEvent.Ehlo("client.example", true)).verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(s.get(RESULT)).as("nothing read it yet, so nothing waited").isEmpty();

        answerSoon();
        StageResult r = s.process(new SessionEvent.MailFrom("<a@example.org>", List.of()));
        assertThat(r.verdict()).isInstanceOf(Verdict.Reject.class);
        assertThat(r.decidedBy()).isEqualTo("rule onMailFrom[1]");
        assertThat(s.get(StandardVars.FINDINGS)).containsExactly("LOOKUP_LISTED");
    }

    @Test
    void withNoReaderTheResultIsInBeforeTheContentAndKeepsItsConnectionScope() {
        Session s = open("""
                filters:
                  - lookup: {}
                """);
        s.process(connect());
        s.process(new SessionEvent.MailFrom("<a@example.org>", List.of()));
        s.process(new SessionEvent.RcptTo("<b@example.net>", List.of()));
        assertThat(s.get(RESULT)).isEmpty();
        answerSoon();
        s.process(new SessionEvent.Data());
        assertThat(s.get(RESULT)).isEqualTo("listed");
        s.process(new SessionEvent.Reset());
        s.process(new SessionEvent.MailFrom("<c@example.org>", List.of()));
        // found at onConnect: it counts for the next message too, as if it had run then
        assertThat(s.get(StandardVars.FINDINGS)).containsExactly("LOOKUP_LISTED");
        assertThat(s.get(RESULT)).isEqualTo("listed");
    }

    @Test
    void aFilterThatDoesNotStartEarlyWaitsForTheEarlyOnesBeforeIt() {
        Session s = open("""
                filters:
                  - lookup: {}
                  - reader: {}
                """);
        s.process(connect());
        answerSoon();
        s.process(new SessionEvent.Ehlo("client.example", true));
        assertThat(reader.seen).isEqualTo("listed");
    }

    @Test
    void aFailureIsCarriedToTheFirstStageThatAnswersAndHoldsForTheSession() {
        Session s = open("""
                filters:
                  - lookup: { fail: true }
                rules:
                  onRcptTo:
                    - if: rcptTo == "postmaster@example.net"
                      then: accept
                """);
        assertThat(s.process(connect()).verdict()).isEqualTo(Verdict.CONTINUE);
        answerSoon();
        // onMailFrom has no rule and no filter: the MTA was told not to wait for an answer there
        assertThat(s.process(new SessionEvent.MailFrom("<a@example.org>", List.of())).verdict()).isEqualTo(Verdict.CONTINUE);
        s.settle();
        StageResult first = s.process(new SessionEvent.RcptTo("<b@example.net>", List.of()));
        assertThat(first.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(first.decidedBy()).isEqualTo("filter lookup (started at onConnect)");
        assertThat(s.get(StandardVars.FINDINGS)).contains("LOOKUP_ERROR");
        s.process(new SessionEvent.Reset());
        s.process(new SessionEvent.MailFrom("<c@example.org>", List.of()));
        assertThat(s.process(new SessionEvent.RcptTo("<d@example.net>", List.of())).verdict())
                .as("a refusal from before the transaction holds for the session").isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void aCheckWithItsAnswerAtHandCountsAtItsOwnStage() {
        lookup.answer.countDown(); // like a warm DNS cache: nothing to wait for
        Session s = open("""
                filters:
                  - lookup: { fail: true }
                """);
        StageResult r = s.process(connect());
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(r.decidedBy()).as("it failed without waiting: its onError at once").isEqualTo("filter lookup");
    }

    @Test
    void startEarlyFalseKeepsTheVerdictAtItsOwnStage() {
        Session s = open("""
                defaults: { startEarly: false }
                filters:
                  - lookup: { fail: true }
                """);
        answerSoon();
        StageResult r = s.process(connect());
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(r.decidedBy()).isEqualTo("filter lookup");
    }

    @Test
    void theEndOfTheSessionStopsALookupNobodyWillRead() throws Exception {
        Session s = open("""
                filters:
                  - lookup: {}
                """);
        s.process(connect());
        assertThat(lookup.started.await(5, TimeUnit.SECONDS)).isTrue();
        s.process(new SessionEvent.Disconnect());
        for (int i = 0; i < 100 && !lookup.interrupted.get(); i++) Thread.sleep(20);
        assertThat(lookup.interrupted).isTrue();
    }
}
