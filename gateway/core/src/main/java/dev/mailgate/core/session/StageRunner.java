// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.HeaderField;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.chain.ChainEntry;
import dev.mailgate.core.chain.FilterInvoker;
import dev.mailgate.core.policy.NamePattern;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.RuleSet;
import dev.mailgate.core.policy.Thresholds;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stage for a session: the filters of that stage in chain order (stopping at the first
 * verdict that is not continue), then, if still undecided, the policy's rules; at the end of data
 * the score thresholds.
 */
final class StageRunner {
    private static final Logger LOG = LoggerFactory.getLogger(StageRunner.class);

    private static final ByteBuffer NO_CHUNK = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final Session session;
    private final Policy policy;
    private Map<String, List<String>> headerMap;
    /** The body chunk being processed, for executeFilters in an onBodyChunk rule. */
    private ByteBuffer currentChunk = NO_CHUNK;

    StageRunner(Session session, Policy policy) {
        this.session = session;
        this.policy = policy;
    }

    StageResult stage(Stage stage) {
        EarlyChecks early = session.early();
        StageResult carried = early.due(stage);
        if (carried != null) return carried;
        for (ChainEntry entry : policy.chain(stage)) {
            if (policy.startsEarly(entry, stage)) {
                early.awaitEntry(entry);
                if ((carried = early.due(stage)) != null) return carried;
                if (session.decidedAt(stage)) return StageResult.CONTINUE;
                session.startEarly(entry, stage);
                // answered at once (its lookups were cached): its verdict counts here, as usual
                if ((carried = early.due(stage)) != null) return carried;
                continue;
            }
            // a filter that does not start early may read what the early ones find
            if (early.hasPending()) {
                early.awaitAll();
                if ((carried = early.due(stage)) != null) return carried;
                if (session.decidedAt(stage)) return StageResult.CONTINUE;
            }
            Verdict v = FilterInvoker.invoke(entry, stage, session.sessionId(), call(entry, stage, session), session::filterFailed);
            if (v.isFinal()) return StageResult.of(v, "filter " + entry.name());
        }
        if (early.hasPending() && policy.rulesRead(stage, early.watchedNames())) {
            early.awaitAll();
            if ((carried = early.due(stage)) != null) return carried;
            if (session.decidedAt(stage)) return StageResult.CONTINUE;
        }
        // the seeds' style: a filter may also decide by setting smtpAction
        String action = session.get(StandardVars.SMTP_ACTION);
        if (!action.isEmpty() && !action.equals("continue")) {
            Verdict v = fromVariables(action);
            return StageResult.of(v, "smtpAction");
        }
        RuleSet.Outcome o = policy.rules(stage).evaluate(session);
        return o.rule() == null ? StageResult.CONTINUE : StageResult.of(o.verdict(), "rule " + o.rule());
    }

    private Verdict fromVariables(String action) {
        String explanation = session.get(StandardVars.SMTP_EXPLANATION);
        session.set(StandardVars.SMTP_ACTION, "continue");
        session.set(StandardVars.SMTP_EXPLANATION, null);
        try {
            return Verdict.of(action, explanation);
        } catch (IllegalArgumentException e) {
            LOG.warn("session={} smtpAction '{}' / smtpExplanation '{}' invalid: {}; answering tempreject", session.sessionId(), action, explanation, e.getMessage());
            return new Verdict.TempReject(null, false);
        }
    }

    /**
     * The seeds' executeFilters: this stage's callback of the session's added filters whose names
     * match, in declaration order. With {@code decide} it stops at the first final verdict and
     * returns it; otherwise every matching filter runs and the result is continue.
     */
    Verdict executeAdded(List<ChainEntry> active, NamePattern names, Stage stage, boolean decide) {
        for (ChainEntry entry : active) {
            if (!names.matches(entry.name()) || !entry.filter().stages().contains(stage)) continue;
            Callable<Verdict> c = stage == Stage.BODY_CHUNK
                    ? () -> entry.filter().onBodyChunk(session, currentChunk.duplicate())
                    : call(entry, stage, session);
            Verdict v = FilterInvoker.invoke(entry, stage, session.sessionId(), c, session::filterFailed);
            if (decide && v.isFinal()) return v;
        }
        return Verdict.CONTINUE;
    }

    static Callable<Verdict> call(ChainEntry entry, Stage stage, FilterContext ctx) {
        var f = entry.filter();
        return switch (stage) {
            case CONNECT -> () -> f.onConnect(ctx);
            case RELAY -> () -> f.onRelay(ctx);
            case EHLO -> () -> f.onEhlo(ctx);
            case MAIL_FROM -> () -> f.onMailFrom(ctx);
            case RCPT_TO -> () -> f.onRcptTo(ctx);
            case DATA -> () -> f.onData(ctx);
            case HEADERS_RECEIVED -> () -> f.onHeadersReceived(ctx);
            case DATA_RECEIVED -> () -> f.onDataReceived(ctx);
            default -> throw new IllegalArgumentException(stage + " has no verdict");
        };
    }

    StageResult bodyChunk(byte[] data) {
        ByteBuffer chunk = ByteBuffer.wrap(data).asReadOnlyBuffer();
        currentChunk = chunk;
        for (ChainEntry entry : policy.chain(Stage.BODY_CHUNK)) {
            Verdict v = FilterInvoker.invoke(entry, Stage.BODY_CHUNK, session.sessionId(),
                    () -> entry.filter().onBodyChunk(session, chunk.duplicate()), session::filterFailed);
            if (v.isFinal()) return StageResult.of(v, "filter " + entry.name());
        }
        RuleSet.Outcome o = policy.rules(Stage.BODY_CHUNK).evaluate(session);
        return o.rule() == null ? StageResult.CONTINUE : StageResult.of(o.verdict(), "rule " + o.rule());
    }

    boolean filtersWantMoreBody() {
        for (ChainEntry e : policy.chain(Stage.BODY_CHUNK)) if (e.filter().wantsMoreBody(session)) return true;
        return !policy.rules(Stage.BODY_CHUNK).rules().isEmpty();
    }

    /** Filters and rules of onReset / onDisconnect: no verdict, failures only logged. */
    void lifecycle(Stage stage, List<ChainEntry> added) {
        List<ChainEntry> entries = new ArrayList<>(policy.chain(stage));
        for (ChainEntry e : added) if (e.filter().stages().contains(stage)) entries.add(e);
        for (ChainEntry entry : entries) {
            FilterInvoker.invoke(entry, stage, session.sessionId(), () -> {
                if (stage == Stage.RESET) entry.filter().onReset(session);
                else entry.filter().onDisconnect(session);
                return Verdict.CONTINUE;
            }, (e, symbol, detail) -> { });
        }
        policy.rules(stage).evaluate(session);
    }

    /** Score thresholds at the end of data: the strongest verdict reached, plus marks. */
    StageResult thresholds() {
        Thresholds t = policy.thresholds();
        if (t.isEmpty()) return StageResult.CONTINUE;
        double score = session.get(StandardVars.SCORE);
        String scoreText = Findings.fmt(score);
        if (t.reached("reject", score)) {
            return StageResult.of(new Verdict.Reject(new SmtpReply(550, "5.7.1", List.of("Message rejected as spam (score " + scoreText + ")")), false), "threshold reject");
        }
        if (t.reached("discard", score)) return StageResult.of(Verdict.DISCARD, "threshold discard");
        if (t.reached("tempreject", score)) {
            return StageResult.of(new Verdict.TempReject(new SmtpReply(451, "4.7.1", List.of("Message deferred (score " + scoreText + "), try again later")), false), "threshold tempreject");
        }
        String decided = null;
        if (t.reached("quarantine", score)) {
            session.edit().quarantine("score " + scoreText);
            decided = "threshold quarantine";
        }
        if (t.reached("addHeader", score)) {
            session.edit().modifyHeader("X-Spam-Flag", "YES");
            session.edit().modifyHeader("X-Spam-Score", scoreText);
            if (decided == null) decided = "threshold addHeader";
        }
        return StageResult.of(Verdict.CONTINUE, decided);
    }

    void invalidateHeaderMap() {
        headerMap = null;
    }

    Optional<Object> read(String name, VarStore vars, MacroSource macros, List<HeaderField> headers) {
        if (name.equals("macro")) return Optional.of(macros.all());
        if (name.equals("headers")) {
            if (headerMap == null) {
                Map<String, List<String>> m = new LinkedHashMap<>();
                for (HeaderField h : headers) m.computeIfAbsent(h.name().toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(h.unfolded());
                headerMap = m;
            }
            return Optional.of(headerMap);
        }
        Var<?> v = policy.variables().get(name);
        return v == null ? Optional.empty() : Optional.of(vars.get(v));
    }
}
