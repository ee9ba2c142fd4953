// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.Stage;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.chain.Deadlines;
import dev.mailgate.core.policy.Policy;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where and within what time one session's events run: on the caller's thread (the event loop)
 * when the stage cannot block and nothing is queued, otherwise on the session's virtual thread, in
 * order, with the stage's deadline as the last line of defence. A failure inside the session is a
 * tempreject, never an accept.
 */
final class EventScheduler {
    // the session's logger: these lines were always the session's, and log settings name it
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);

    private final String id;
    private final Policy policy;
    private final SerialExecutor executor;
    private final Function<SessionEvent, StageResult> process;
    private final Predicate<Stage> mustLeaveCaller;
    private final java.util.function.BooleanSupplier earlyPending;

    /**
     * @param mustLeaveCaller true for a stage that may block in this session even if its filters
     *                        cannot (a body to store, early checks to await)
     * @param earlyPending    early checks still run: the stage may also wait for them
     */
    EventScheduler(String id, Policy policy, Executor threads, Function<SessionEvent, StageResult> process,
                   Predicate<Stage> mustLeaveCaller, java.util.function.BooleanSupplier earlyPending) {
        this.id = id;
        this.policy = policy;
        this.executor = new SerialExecutor(threads);
        this.process = process;
        this.mustLeaveCaller = mustLeaveCaller;
        this.earlyPending = earlyPending;
    }

    CompletableFuture<StageResult> dispatch(SessionEvent event) {
        Stage s = event.stage();
        boolean inline = s == null || (policy.runsInline(s) && !mustLeaveCaller.test(s));
        if (inline && executor.isIdle()) return CompletableFuture.completedFuture(safeProcess(event));
        CompletableFuture<StageResult> f = new CompletableFuture<>();
        executor.execute(() -> f.complete(safeProcess(event)));
        if (s != null && s != Stage.RESET && s != Stage.DISCONNECT) {
            // the last line of defence against a filter that ignores its interrupt: the MTA gets
            // an answer (tempreject: nothing is lost) instead of waiting for its own timeout
            Duration deadline = earlyPending.getAsBoolean() ? policy.stageDeadline(s).plus(policy.earlyBudget()) : policy.stageDeadline(s);
            var alarm = Deadlines.after(deadline, () -> {
                if (f.complete(StageResult.of(Verdict.tempReject("451 4.3.0 Mail filter did not finish in time, try again later"),
                        "stage deadline"))) {
                    LOG.error("session={} {} did not finish within {} s; answered tempreject", id, s.eventName(), deadline.toSeconds());
                }
            });
            f.whenComplete((r, e) -> alarm.cancel(false));
        }
        return f;
    }

    private StageResult safeProcess(SessionEvent event) {
        try {
            return process.apply(event);
        } catch (RuntimeException | Error e) {
            // a bug must not accept and lose a message: the client retries later
            LOG.error("session={} internal error at {}; answering tempreject", id, event, e);
            return StageResult.of(Verdict.tempReject("451 4.3.0 Internal error in the mail filter, try again later"), "internal error");
        }
    }
}
