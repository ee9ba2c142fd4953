// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.NoWait;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.chain.ChainEntry;
import dev.mailgate.core.chain.FilterInvoker;
import dev.mailgate.core.policy.Policy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of one session that were started early ({@link dev.mailgate.api.Filter#startsEarly})
 * and are still running: a DNSBL lookup started at onConnect runs while the client says EHLO and
 * MAIL FROM, and is awaited only where its result can matter. Awaiting replays what the check did
 * (variables, findings, failures) on the session's thread; a final verdict it returned is
 * <em>carried</em> to the first stage that can answer the client with it, as Postfix's
 * {@code smtpd_delay_reject} delays a client restriction to RCPT TO. A refusal that began before
 * the transaction holds for the rest of the session, one that began in it until it ends.
 * Only the session's thread calls this class; {@link #hasPending()} may be asked from any.
 */
final class EarlyChecks {
    private static final Logger LOG = LoggerFactory.getLogger(EarlyChecks.class);
    /** Grace after a check's own timeout before it counts as hung (its interrupt should come first). */
    private static final long GRACE_MILLIS = 1000;

    private record Pending(ChainEntry entry, Stage stage, EarlyContext ctx, CompletableFuture<Verdict> result, Thread thread) {}

    /** A final verdict from an early check, waiting for a stage that can deliver it. */
    private record Carried(Verdict verdict, Stage origin, String decidedBy) {}

    private final Session session;
    private final Policy policy;
    private final List<Pending> pending = new ArrayList<>();
    private volatile int running;
    private Carried carried;

    EarlyChecks(Session session, Policy policy) {
        this.session = session;
        this.policy = policy;
    }

    boolean hasPending() {
        return running > 0;
    }

    /**
     * Starts {@code entry}'s callback at {@code stage}. It is first tried here without waiting
     * ({@link NoWait}): with its answers cached it finishes at once and counts like any other
     * callback (a final verdict is then {@linkplain #due due} at this very stage). Only when it
     * would wait does it go on its own virtual thread, against copies of the session's state.
     */
    void start(ChainEntry entry, Stage stage, VarStore vars, MacroSource macros) {
        EarlyContext quick = new EarlyContext(session.sessionId(), stage, vars, macros);
        // through the invoker: its timeout holds (a filter that waits without asking NoWait), and a
        // failure without waiting is final (onError, its finding, one log line), not tried again
        Verdict now = NoWait.attempt(() -> FilterInvoker.invoke(entry, stage, session.sessionId(),
                StageRunner.call(entry, stage, quick), quick::failed));
        if (now != null) {
            session.replay(stage, quick.effects());
            if (now.isFinal() && carried == null) carried = new Carried(now, stage, "filter " + entry.name());
            return;
        }
        EarlyContext ctx = new EarlyContext(session.sessionId(), stage, vars.copy(), MacroSource.snapshot(macros));
        CompletableFuture<Verdict> result = new CompletableFuture<>();
        Thread t = Thread.ofVirtual().name("early-" + entry.name()).unstarted(() -> result.complete(
                FilterInvoker.invoke(entry, stage, session.sessionId(), StageRunner.call(entry, stage, ctx), ctx::failed)));
        pending.add(new Pending(entry, stage, ctx, result, t));
        running = pending.size();
        t.start();
    }

    /** Awaits {@code entry}'s own earlier callback, if one is still pending (one filter's events stay in order). */
    void awaitEntry(ChainEntry entry) {
        awaitWhere(p -> p.entry() == entry);
    }

    /** Awaits the checks that began in the transaction (before its variables are cleared); earlier ones run on. */
    void awaitTransaction() {
        awaitWhere(p -> p.stage().isTransaction());
    }

    /** Awaits every pending check, in the order they started. */
    void awaitAll() {
        awaitWhere(p -> true);
    }

    private void awaitWhere(java.util.function.Predicate<Pending> which) {
        for (Iterator<Pending> it = pending.iterator(); it.hasNext(); ) {
            Pending p = it.next();
            if (which.test(p)) {
                it.remove();
                running = pending.size();
                settle(p);
            }
        }
    }

    /**
     * The names a rule could read to see what the pending checks do: what they provide, the seeds'
     * {@code <name>.result} family they may set on failure, the score and the findings.
     */
    Set<String> watchedNames() {
        Set<String> names = new HashSet<>();
        for (Pending p : pending) {
            for (Var<?> v : p.entry().filter().provides()) names.add(v.name());
            names.add(p.entry().name() + ".result");
            names.add(p.entry().name() + ".action");
            names.add(p.entry().name() + ".explanation");
        }
        names.add(StandardVars.SCORE.name());
        names.add(StandardVars.FINDINGS.name());
        return names;
    }

    /**
     * The carried verdict if {@code stage} can deliver it (the MTA waits for an answer there, and
     * a discard needs a message), else null. An accept is applied at once: it ends the checks of
     * the session (begun before the transaction) or of the message.
     */
    StageResult due(Stage stage) {
        if (carried == null) return null;
        Verdict v = carried.verdict();
        boolean fromSession = !carried.origin().isTransaction();
        if (v instanceof Verdict.Accept) {
            String by = carried.decidedBy();
            carried = null;
            if (fromSession) session.acceptConnection();
            else session.decideMessage();
            return policy.decides(stage) ? StageResult.of(v, by) : StageResult.CONTINUE;
        }
        if (!policy.decides(stage) || (v instanceof Verdict.Discard && !stage.isTransaction())) return null;
        return StageResult.of(v, carried.decidedBy());
    }

    /** The transaction ended: its carried refusal ends with it (one from before it stays). */
    void endTransaction() {
        if (carried != null && carried.origin().isTransaction()) carried = null;
    }

    /** The session ended: nobody will read the answers; stop the lookups. */
    void cancelAll() {
        for (Pending p : pending) p.thread().interrupt();
        pending.clear();
        running = 0;
    }

    private void settle(Pending p) {
        Verdict v;
        long wait = p.entry().timeout().toMillis() + GRACE_MILLIS;
        try {
            v = p.result().get(wait, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            // the check ignored its interrupt: the chain's timeout rule applies, the thread is left to die
            p.thread().interrupt();
            LOG.warn("session={} filter={} event={} started early, did not finish within {} ms; onError={}", session.sessionId(),
                    p.entry().name(), p.stage().eventName(), wait, p.entry().onError());
            p.ctx().failed(p.entry(), FilterInvoker.symbolPrefix(p.entry().name()) + "_TIMEOUT", "did not answer within " + wait + " ms");
            v = p.entry().onError().verdict(p.entry().name());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.thread().interrupt();
            return;
        } catch (ExecutionException e) {
            throw new IllegalStateException("early check " + p.entry().name() + " failed outside its invoker", e.getCause());
        }
        session.replay(p.stage(), p.ctx().effects());
        if (v.isFinal() && carried == null) {
            carried = new Carried(v, p.stage(), "filter " + p.entry().name() + " (started at " + p.stage().eventName() + ")");
            LOG.debug("session={} {} from {} started at {} carried to the next stage that answers", session.sessionId(), v.action(),
                    p.entry().name(), p.stage().eventName());
        }
    }
}
