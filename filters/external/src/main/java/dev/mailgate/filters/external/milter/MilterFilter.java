// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.milter;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Modification;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.filters.external.Health;
import dev.mailgate.filters.external.ResultVars;
import dev.mailgate.milter.codec.MilterResponse;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway as a milter client of another milter (OpenDKIM, OpenDMARC, another gateway): each
 * stage is forwarded, the downstream's verdicts become ours and its end-of-message changes are
 * recorded as our own. Findings: {@code MILTER_REJECT}, {@code MILTER_TEMPFAIL},
 * {@code MILTER_DISCARD}, {@code MILTER_UNSUPPORTED} (a change we cannot express),
 * {@code MILTER_TEMPERROR} and {@code MILTER_TIMEOUT}. Variables: {@code <name>.result} (the
 * downstream's last answer: continue, accept, reject, tempfail, discard), {@code .action},
 * {@code .explanation} (its reply text).
 */
final class MilterFilter implements Filter, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MilterFilter.class);
    private static final Set<Stage> STAGES = EnumSet.of(Stage.CONNECT, Stage.EHLO, Stage.MAIL_FROM, Stage.RCPT_TO, Stage.DATA,
            Stage.HEADERS_RECEIVED, Stage.DATA_RECEIVED, Stage.RESET, Stage.DISCONNECT);

    private final String name;
    private final Connections connections;
    private final Path tempDirectory;
    private final ResultVars vars;
    private final Health health;
    private final Map<String, Downstream> sessions = new ConcurrentHashMap<>();

    MilterFilter(String name, Connections connections, Path tempDirectory) {
        this.name = name;
        this.connections = connections;
        this.tempDirectory = tempDirectory;
        this.vars = new ResultVars(name, Stage.CONNECT, "the downstream milter's last answer: continue, accept, reject, tempfail or discard");
        this.health = Health.of("milter", name);
    }

    @Override
    public Set<Stage> stages() {
        return STAGES;
    }

    @Override
    public boolean needsBody() {
        return true; // forwarded in one go at the end of data, from the body store (memory or temp file)
    }

    @Override
    public List<Var<?>> provides() {
        return vars.all();
    }

    @Override
    public Set<Class<? extends Modification>> modifications() {
        return Set.of(Modification.AddHeader.class, Modification.InsertHeader.class, Modification.ChangeHeader.class,
                Modification.ChangeSender.class, Modification.AddRecipient.class, Modification.RemoveRecipient.class,
                Modification.ReplaceBody.class, Modification.Quarantine.class);
    }

    @Override
    public Verdict onConnect(FilterContext ctx) throws IOException { return forward(ctx); }

    @Override
    public Verdict onEhlo(FilterContext ctx) throws IOException { return forward(ctx); }

    @Override
    public Verdict onMailFrom(FilterContext ctx) throws IOException { return forward(ctx); }

    @Override
    public Verdict onRcptTo(FilterContext ctx) throws IOException { return forward(ctx); }

    @Override
    public Verdict onData(FilterContext ctx) throws IOException { return forward(ctx); }

    @Override
    public Verdict onHeadersReceived(FilterContext ctx) throws IOException { return forward(ctx); }

    @Override
    public Verdict onDataReceived(FilterContext ctx) throws IOException { return forward(ctx); }

    @Override
    public void onReset(FilterContext ctx) {
        Downstream d = sessions.get(ctx.sessionId());
        if (d != null) d.reset();
    }

    @Override
    public void onDisconnect(FilterContext ctx) {
        Downstream d = sessions.remove(ctx.sessionId());
        if (d != null) d.finish();
    }

    private Verdict forward(FilterContext ctx) throws IOException {
        Downstream d = sessions.computeIfAbsent(ctx.sessionId(), id -> new Downstream(connections));
        if (d.sessionDone() || (ctx.stage().isTransaction() && d.messageDone())) return Verdict.CONTINUE;
        long t0 = System.nanoTime();
        Downstream.Answer a;
        try {
            a = d.forward(ctx, ctx.stage());
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) throw e;
            boolean timeout = e instanceof SocketTimeoutException;
            health.failed(timeout, e.getMessage());
            ctx.report(timeout ? "MILTER_TIMEOUT" : "MILTER_TEMPERROR", e.getMessage());
            throw e;
        }
        Verdict v = Replies.verdict(a.decisive());
        health.answered(v.isFinal(), t0);
        if (a.eom() != null && !v.isFinal()) {
            Edits.Applied applied = Edits.apply(ctx, a.eom().edits(), tempDirectory);
            d.replacedBody = applied.bodyFile();
            if (!applied.unsupported().isEmpty()) {
                LOG.warn("session={} filter={}: changes of the downstream milter that cannot be passed on: {}", ctx.sessionId(), name, applied.unsupported());
                ctx.report("MILTER_UNSUPPORTED", String.join("; ", applied.unsupported()));
            }
        }
        if (v.isFinal()) ctx.report("MILTER_" + switch (v) {
            case Verdict.Reject r -> "REJECT";
            case Verdict.TempReject t -> "TEMPFAIL";
            default -> "DISCARD";
        }, Replies.explanation(a.decisive()));
        // the MTA's own answer at the end of data: the downstream's "continue" there means accept
        MilterResponse shown = a.decisive() != null ? a.decisive() : a.eom() != null ? a.eom().finalResponse() : null;
        return vars.publish(ctx, Replies.word(shown), v, Replies.explanation(a.decisive()));
    }

    /** Connections opened to the downstream so far. */
    long connectionsOpened() {
        return connections.opened();
    }

    @Override
    public void close() {
        sessions.values().forEach(Downstream::finish);
        sessions.clear();
        connections.close();
    }

    @Override
    public String toString() {
        return connections.toString();
    }
}
