// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench.jmh;

import dev.mailgate.api.Verdict;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * The pipeline without a front end: one whole message on its own session (connect, EHLO, MAIL,
 * RCPT, DATA, the headers, end of headers, the body, end of data, disconnect) through
 * {@link Session#process}, on the repository's policies. One operation = one message.
 */
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PipelineBenchmark {

    /** A file of policies/ without .yaml. */
    @Param({"default", "example-scoring"})
    public String policy;

    /** Header fields per message. */
    @Param({"4", "20"})
    public int headers;

    /** Body bytes per message. */
    @Param({"4096"})
    public int bodySize;

    private Policy loaded;
    private Pipeline pipeline;
    private List<SessionEvent> events;

    @Setup(Level.Trial)
    public void setUp() {
        loaded = Policies.shipped(policy);
        pipeline = new Pipeline(loaded);
        events = SampleMessage.sessionEvents(headers, bodySize, "Quarterly report");
        // the message must go all the way through and be accepted with the policy's header
        StageResult last = null;
        Session s = pipeline.open("bench", MacroSource.NONE);
        for (SessionEvent e : events) {
            StageResult r = s.process(e);
            if (e instanceof SessionEvent.EndOfData) last = r;
            else if (r.verdict().isFinal()) throw new IllegalStateException(policy + ": " + e + " -> " + r);
        }
        if (last == null || !(last.verdict() instanceof Verdict.Continue)) throw new IllegalStateException(policy + ": end of data -> " + last);
        if (policy.equals("default") && last.modifications().size() != 1) {
            throw new IllegalStateException("default policy: expected one added header, got " + last.modifications());
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        loaded.close();
    }

    @Benchmark
    public StageResult message(Blackhole bh) {
        Session s = pipeline.open("bench", MacroSource.NONE);
        StageResult r = null;
        for (SessionEvent e : events) {
            r = s.process(e);
            bh.consume(r);
        }
        return r;
    }
}
