// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench.jmh;

import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Rule evaluation: the onHeadersReceived stage of a session that has received 8 header fields
 * (3 of them Received), with a policy of one CEL rule at that stage, or none (the stage's own
 * cost: header variables, an empty rule set). Each operation processes end of headers again on
 * the same session, which recomputes the header variables and evaluates the rules; a finding
 * counts once, so repeated matches change nothing else.
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RuleBenchmark {
    static final String CONDITION = "subject.matches(\"(?i)viagra\") && receivedCount > 2";

    static final String ONE_RULE = """
            rules:
              onHeadersReceived:
                - name: subject-spam
                  if: 'subject.matches("(?i)viagra") && receivedCount > 2'
                  then: { report: SUBJECT_SPAM }
            scores:
              SUBJECT_SPAM: 6
            """;

    static final String NO_RULES = """
            rules:
              onDataReceived:
                - name: stamp
                  then: { addHeader: "X-Mailgate: checked" }
            """;

    /** cel-match: the subject matches (both sides evaluated); cel-nomatch: it does not; none: no rule at the stage. */
    @Param({"cel-match", "cel-nomatch", "none"})
    public String rule;

    private Policy policy;
    private Session session;
    private final SessionEvent.EndOfHeaders endOfHeaders = new SessionEvent.EndOfHeaders();

    @Setup(Level.Trial)
    public void setUp() {
        policy = Policies.parse("bench-rule", rule.equals("none") ? NO_RULES : ONE_RULE);
        session = new Pipeline(policy).open("bench", MacroSource.NONE);
        String subject = rule.equals("cel-match") ? "Cheap VIAGRA for you" : "Quarterly report";
        for (SessionEvent e : SampleMessage.sessionEvents(8, 0, subject)) {
            if (e instanceof SessionEvent.EndOfHeaders) break;
            session.process(e);
        }
        session.process(endOfHeaders);
        double score = ((Number) session.variables().getOrDefault("score", 0.0)).doubleValue();
        double expected = rule.equals("cel-match") ? 6.0 : 0.0;
        if (score != expected) throw new IllegalStateException(rule + ": score " + score + ", expected " + expected);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        policy.close();
    }

    @Benchmark
    public StageResult onHeadersReceived() {
        return session.process(endOfHeaders);
    }
}
