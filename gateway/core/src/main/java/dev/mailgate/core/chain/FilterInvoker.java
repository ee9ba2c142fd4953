// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.chain;

import dev.mailgate.api.NoWait;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Verdict;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one filter callback with its deadline. Blocking filters are called on the session's
 * virtual thread under a {@link Deadlines.Guard} that interrupts them when their timeout passes
 * (a filter that ignores interrupts is caught by the session's stage deadline instead);
 * non-blocking filters are called directly. An exception or an overrun becomes the entry's {@link OnError} verdict, a finding
 * ({@code <NAME>_ERROR} / {@code <NAME>_TIMEOUT}) and exactly one log line. Every call that ends
 * is counted in the entry's {@link FilterMeter} with its outcome and duration (two clock reads and
 * a few lock-free increments).
 */
public final class FilterInvoker {
    private static final Logger LOG = LoggerFactory.getLogger(FilterInvoker.class);

    /** Where the invoker reports a failure so the policy can score it. */
    public interface FailureSink {
        void filterFailed(ChainEntry entry, String symbol, String detail);
    }

    private FilterInvoker() {}

    public static Verdict invoke(ChainEntry entry, Stage stage, String sessionId, Callable<Verdict> call, FailureSink sink) {
        long start = System.nanoTime();
        if (!entry.filter().blocking()) {
            try {
                Verdict v = nonNull(call.call());
                record(entry, FilterStats.Outcome.OK, start);
                return v;
            } catch (NoWait.Blocked b) {
                throw b; // a first try without waiting: not a failure (nor a call), the pipeline runs it again
            } catch (Exception | LinkageError | StackOverflowError e) {
                if (isTimeout(e)) return failed(entry, stage, sessionId, FilterStats.Outcome.TIMEOUT, "timed out: " + describe(e), sink, e, start);
                return failed(entry, stage, sessionId, FilterStats.Outcome.ERROR, "threw " + describe(e), sink, e, start);
            }
        }
        // the caller is already off the event loop (a session's virtual thread): run the filter
        // right here and let an alarm interrupt it at the deadline
        Deadlines.Guard guard = new Deadlines.Guard(entry.timeout());
        try {
            Verdict v = call.call();
            if (guard.fired()) return timedOut(entry, stage, sessionId, sink, start);
            record(entry, FilterStats.Outcome.OK, start);
            return nonNull(v);
        } catch (NoWait.Blocked b) {
            throw b;
        } catch (Exception | LinkageError | StackOverflowError e) {
            if (guard.fired()) return timedOut(entry, stage, sessionId, sink, start);
            if (isTimeout(e)) return failed(entry, stage, sessionId, FilterStats.Outcome.TIMEOUT, "timed out: " + describe(e), sink, e, start);
            return failed(entry, stage, sessionId, FilterStats.Outcome.ERROR, "threw " + describe(e), sink, e, start);
        } finally {
            guard.close();
        }
    }

    private static Verdict timedOut(ChainEntry entry, Stage stage, String sessionId, FailureSink sink, long start) {
        return failed(entry, stage, sessionId, FilterStats.Outcome.TIMEOUT, "did not answer within " + entry.timeout().toMillis() + " ms",
                sink, null, start);
    }

    /**
     * A filter's own I/O deadline (a socket or HTTP timeout it set shorter than the chain's) is a
     * timeout too, not a generic error: the same {@code _TIMEOUT} finding either way.
     */
    private static boolean isTimeout(Throwable t) {
        return t instanceof java.io.InterruptedIOException || t instanceof TimeoutException
                || t instanceof java.net.http.HttpTimeoutException;
    }

    /** Counts a call, unless it was a first try that had to wait: that one is made again and counted then. */
    private static void record(ChainEntry entry, FilterStats.Outcome outcome, long start) {
        if (!NoWait.blocked()) entry.meter().record(outcome, System.nanoTime() - start);
    }

    private static Verdict nonNull(Verdict v) {
        return v == null ? Verdict.CONTINUE : v;
    }

    private static Verdict failed(ChainEntry entry, Stage stage, String sessionId, FilterStats.Outcome outcome, String what,
                                  FailureSink sink, Throwable cause, long start) {
        record(entry, outcome, start);
        String symbol = symbolPrefix(entry.name()) + "_" + outcome.name();
        LOG.warn("session={} filter={} event={} {}; onError={}", sessionId, entry.name(), stage.eventName(), what, entry.onError());
        if (cause != null && LOG.isDebugEnabled()) LOG.debug("filter " + entry.name() + " failure", cause);
        sink.filterFailed(entry, symbol, what);
        return entry.onError().verdict(entry.name());
    }

    private static String describe(Throwable t) {
        return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    }

    /** {@code my-filter} becomes {@code MY_FILTER}, the prefix of its findings. */
    public static String symbolPrefix(String name) {
        return name.toUpperCase(Locale.ROOT).replace('-', '_').replace('.', '_');
    }
}
