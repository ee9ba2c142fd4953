// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.chain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Filter;
import dev.mailgate.api.NoWait;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Verdict;
import dev.mailgate.metrics.Counter;
import dev.mailgate.metrics.Histogram;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What {@link FilterInvoker} records per call: one count per outcome, one duration each. */
class FilterMeterTest {
    private final Counter[] calls = {new Counter(), new Counter(), new Counter()};
    private final Histogram duration = new Histogram(FilterStats.BOUNDS);

    private ChainEntry entry(boolean blocking, Duration timeout) {
        Filter f = new Filter() {
            public Set<Stage> stages() { return Set.of(Stage.CONNECT); }

            public boolean blocking() { return blocking; }
        };
        ChainEntry e = new ChainEntry("probe", "probe", f, timeout, OnError.CONTINUE);
        e.meter().bind(new FilterStats(calls, duration));
        return e;
    }

    private Verdict invoke(ChainEntry e, java.util.concurrent.Callable<Verdict> call) {
        return FilterInvoker.invoke(e, Stage.CONNECT, "t-1", call, (entry, symbol, detail) -> {});
    }

    @Test
    void countsEachOutcomeOnceWithItsDuration() {
        for (boolean blocking : new boolean[] {false, true}) {
            ChainEntry e = entry(blocking, Duration.ofSeconds(5));
            invoke(e, () -> Verdict.CONTINUE);
            invoke(e, () -> Verdict.reject("550 5.7.1 no"));
            invoke(e, () -> { throw new IllegalStateException("down"); });
            invoke(e, () -> { throw new java.net.SocketTimeoutException("read timed out"); });
        }
        assertThat(calls[FilterStats.Outcome.OK.ordinal()].value()).isEqualTo(4);
        assertThat(calls[FilterStats.Outcome.ERROR.ordinal()].value()).isEqualTo(2);
        assertThat(calls[FilterStats.Outcome.TIMEOUT.ordinal()].value()).isEqualTo(2);
        assertThat(duration.snapshot().count()).isEqualTo(8);
    }

    @Test
    void anOverrunIsATimeoutAndItsDurationIsTheWait() {
        ChainEntry e = entry(true, Duration.ofMillis(50));
        invoke(e, () -> {
            Thread.sleep(10_000); // interrupted by the deadline
            return Verdict.CONTINUE;
        });
        assertThat(calls[FilterStats.Outcome.TIMEOUT.ordinal()].value()).isEqualTo(1);
        Histogram.Snapshot s = duration.snapshot();
        assertThat(s.sumSeconds()).isBetween(0.05, 5.0);
        assertThat(s.cumulative()[3]).as("le=0.005").isZero();
    }

    @Test
    void aFirstTryThatWouldWaitIsNotACall() {
        ChainEntry e = entry(true, Duration.ofSeconds(5));
        assertThat(NoWait.attempt(() -> invoke(e, () -> {
            NoWait.blockedIfAttempting();
            return Verdict.CONTINUE;
        }))).isNull();
        // a filter that swallows Blocked: its answer is thrown away all the same
        assertThat(NoWait.attempt(() -> invoke(e, () -> {
            try {
                NoWait.blockedIfAttempting();
            } catch (NoWait.Blocked b) {
                throw new java.io.IOException("wrapped", b);
            }
            return Verdict.CONTINUE;
        }))).isNull();
        assertThat(duration.snapshot().count()).isZero();
        assertThat(calls[0].value() + calls[1].value() + calls[2].value()).isZero();
        // a try that did not have to wait counts as the call it is
        assertThat(NoWait.attempt(() -> invoke(e, () -> Verdict.CONTINUE))).isEqualTo(Verdict.CONTINUE);
        assertThat(calls[FilterStats.Outcome.OK.ordinal()].value()).isEqualTo(1);
    }

    @Test
    void anUnboundMeterRecordsNothingAndCostsNothing() {
        Filter f = () -> Set.of(Stage.CONNECT);
        ChainEntry e = new ChainEntry("x", "x", f, Duration.ofSeconds(1), OnError.CONTINUE);
        assertThat(e.meter().isBound()).isFalse();
        assertThat(invoke(e, () -> Verdict.CONTINUE)).isEqualTo(Verdict.CONTINUE);
        assertThat(e.withStartEarly(true).meter()).as("a copy records where the original does").isSameAs(e.meter());
    }

    @Test
    void recordingCostsWellUnderAMicrosecond() {
        FilterMeter m = new FilterMeter();
        m.bind(new FilterStats(calls, duration));
        for (int i = 0; i < 200_000; i++) m.record(FilterStats.Outcome.OK, i); // warm up the JIT
        int n = 1_000_000;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) m.record(FilterStats.Outcome.OK, i & 0xFFFFF);
        double perCall = (System.nanoTime() - start) / (double) n;
        // typically 10-30 ns; the bound leaves room for a loaded CI machine
        assertThat(perCall).as("ns per record").isLessThan(500);
    }
}
