// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.metrics;

import dev.mailgate.api.Stage;
import dev.mailgate.api.Verdict;
import dev.mailgate.metrics.Counter;
import dev.mailgate.metrics.Family;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The counters of one front end ({@code milter}, {@code smtp}) that its sessions record into:
 * sessions opened and closed, message verdicts, and verdicts decided before the end of data.
 * Shared by all sessions of the front end; every method is a lock-free increment on a counter
 * found by array index, nothing is allocated.
 */
public final class FrontEndMeter {
    /** The verdicts counted, as label values; {@code continue} at the end of data means accept. */
    static final String[] VERDICTS = {"accept", "reject", "tempreject", "discard"};

    /** For sessions outside a gateway (offline {@code mailgate test}, unit tests): counts into a registry nobody reads. */
    public static final FrontEndMeter NONE = new PipelineMetrics(new dev.mailgate.metrics.Registry()).frontEnd("none");

    private final String name;
    private final Counter opened;
    private final Counter closed;
    private final Counter[] messages = new Counter[VERDICTS.length];
    private final Family.Counters stageFamily;
    /** Per stage and verdict, created on first use: most of the 44 combinations never happen. */
    private final AtomicReferenceArray<Counter> stageVerdicts = new AtomicReferenceArray<>(Stage.values().length * VERDICTS.length);

    FrontEndMeter(String name, Family.Counters sessionsOpened, Family.Counters sessionsClosed, Family.Counters messageFamily,
                  Family.Counters stageFamily) {
        this.name = name;
        this.opened = sessionsOpened.labels(name);
        this.closed = sessionsClosed.labels(name);
        // created now, so that every verdict is exported from 0 and rate() works from the first message
        for (int i = 0; i < VERDICTS.length; i++) messages[i] = messageFamily.labels(name, VERDICTS[i]);
        this.stageFamily = stageFamily;
    }

    public void sessionOpened() {
        opened.increment();
    }

    public void sessionClosed() {
        closed.increment();
    }

    /** A message's final verdict at the end of data (the verdict log line). */
    public void message(Verdict v) {
        messages[index(v)].increment();
    }

    /** A verdict other than continue decided at {@code stage}, before the end of data (a refused recipient, say). */
    public void stageVerdict(Stage stage, Verdict v) {
        int i = stage.ordinal() * VERDICTS.length + index(v);
        Counter c = stageVerdicts.get(i);
        if (c == null) {
            c = stageFamily.labels(name, stage.eventName(), VERDICTS[index(v)]);
            stageVerdicts.set(i, c); // the family returns the same child to a racing thread
        }
        c.increment();
    }

    long open() {
        long c = closed.value(); // first: a session that opens and closes between the reads cannot make this negative
        return opened.value() - c;
    }

    private static int index(Verdict v) {
        return switch (v) {
            case Verdict.Continue c -> 0;
            case Verdict.Accept a -> 0;
            case Verdict.Reject r -> 1;
            case Verdict.TempReject t -> 2;
            case Verdict.Discard d -> 3;
        };
    }
}
