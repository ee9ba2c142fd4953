// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.chain;

import dev.mailgate.api.Stage;
import dev.mailgate.api.Verdict;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one filter callback with its deadline. A blocking filter runs on its own virtual thread
 * while the session's thread waits at most the filter's timeout; a non-blocking filter is called
 * directly. An exception or an overrun becomes the entry's {@link OnError} verdict, a finding
 * ({@code <NAME>_ERROR} / {@code <NAME>_TIMEOUT}) and exactly one log line.
 */
public final class FilterInvoker {
    private static final Logger LOG = LoggerFactory.getLogger(FilterInvoker.class);
    private static final ExecutorService CALLS = Executors.newThreadPerTaskExecutor(
            Thread.ofVirtual().name("filter-call-", 0).factory());

    /** Where the invoker reports a failure so the policy can score it. */
    public interface FailureSink {
        void filterFailed(ChainEntry entry, String symbol, String detail);
    }

    private FilterInvoker() {}

    public static Verdict invoke(ChainEntry entry, Stage stage, String sessionId, Callable<Verdict> call, FailureSink sink) {
        if (!entry.filter().blocking()) {
            try {
                return nonNull(call.call());
            } catch (Exception | LinkageError | StackOverflowError e) {
                if (isTimeout(e)) return failed(entry, stage, sessionId, "TIMEOUT", "timed out: " + describe(e), sink, e);
                return failed(entry, stage, sessionId, "ERROR", "threw " + describe(e), sink, e);
            }
        }
        Future<Verdict> future = CALLS.submit(call);
        try {
            return nonNull(future.get(entry.timeout().toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException e) {
            future.cancel(true);
            return failed(entry, stage, sessionId, "TIMEOUT", "did not answer within " + entry.timeout().toMillis() + " ms", sink, null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            if (isTimeout(cause)) return failed(entry, stage, sessionId, "TIMEOUT", "timed out: " + describe(cause), sink, cause);
            return failed(entry, stage, sessionId, "ERROR", "threw " + describe(cause), sink, cause);
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            return failed(entry, stage, sessionId, "ERROR", "was interrupted", sink, null);
        }
    }

    /**
     * A filter's own I/O deadline (a socket or HTTP timeout it set shorter than the chain's) is a
     * timeout too, not a generic error: the same {@code _TIMEOUT} finding either way.
     */
    private static boolean isTimeout(Throwable t) {
        return t instanceof java.io.InterruptedIOException || t instanceof TimeoutException
                || t instanceof java.net.http.HttpTimeoutException;
    }

    private static Verdict nonNull(Verdict v) {
        return v == null ? Verdict.CONTINUE : v;
    }

    private static Verdict failed(ChainEntry entry, Stage stage, String sessionId, String outcome, String what,
                                  FailureSink sink, Throwable cause) {
        String symbol = symbolPrefix(entry.name()) + "_" + outcome;
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
