// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.clamd;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Modification;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.filters.external.Health;
import dev.mailgate.filters.external.MessageStream;
import dev.mailgate.filters.external.Reaction;
import dev.mailgate.filters.external.ResultVars;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Scans each message with clamd at the end of data. Findings: {@code CLAMD_INFECTED},
 * {@code CLAMD_SKIPPED} (larger than maxSize), {@code CLAMD_TEMPERROR} and {@code CLAMD_TIMEOUT}
 * (then the chain applies onError). Variables: {@code <name>.result} (clean, infected, skipped;
 * error or timeout), {@code .action}, {@code .explanation} and {@code <name>.virus}.
 */
final class ClamdFilter implements Filter, AutoCloseable {
    static final String SCANNED = "X-Virus-Scanned";
    static final String STATUS = "X-Virus-Status";

    private final String name;
    private final ClamdClient client;
    private final long maxSize;
    private final Reaction onInfected;
    private final String headerMode;
    private final String scannedBy;
    private final ResultVars vars;
    private final Var<String> virus;
    private final Health health;

    ClamdFilter(String name, ClamdClient client, long maxSize, Reaction onInfected, String headerMode, String scannedBy) {
        this.name = name;
        this.client = client;
        this.maxSize = maxSize;
        this.onInfected = onInfected;
        this.headerMode = headerMode;
        this.scannedBy = scannedBy;
        this.vars = new ResultVars(name, Stage.DATA_RECEIVED, "clean, infected or skipped (larger than maxSize)");
        this.virus = vars.with(Var.string(name + ".virus", Scope.TRANSACTION, Stage.DATA_RECEIVED, "signature name clamd found"));
        this.health = Health.of("clamd", name);
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.DATA_RECEIVED);
    }

    @Override
    public boolean needsBody() {
        return true;
    }

    @Override
    public List<Var<?>> provides() {
        return vars.all();
    }

    @Override
    public Set<Class<? extends Modification>> modifications() {
        if (headerMode.equals("off") && onInfected.kind() != Reaction.Kind.QUARANTINE) return Set.of();
        return Set.of(Modification.AddHeader.class, Modification.ChangeHeader.class, Modification.Quarantine.class);
    }

    @Override
    public Verdict onDataReceived(FilterContext ctx) throws IOException {
        long size = MessageStream.size(ctx);
        var skipped = vars.skipIfLarger(ctx, size, maxSize, "CLAMD", health);
        if (skipped.isPresent()) return skipped.get();
        long t0 = System.nanoTime();
        ClamdClient.Result r;
        try {
            r = client.scan(() -> MessageStream.open(ctx));
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) throw e; // the chain's deadline: it reports the timeout
            boolean timeout = e instanceof SocketTimeoutException;
            health.failed(timeout, e.getMessage());
            ctx.report(timeout ? "CLAMD_TIMEOUT" : "CLAMD_TEMPERROR", e.getMessage());
            throw e;
        }
        health.answered(r.infected(), t0);
        addHeaders(ctx, r);
        if (!r.infected()) return vars.publish(ctx, "clean", Verdict.CONTINUE, "");
        ctx.set(virus, r.virus());
        ctx.report("CLAMD_INFECTED", r.virus());
        Verdict v = onInfected.apply(ctx, Map.of("virus", r.virus(), "name", name));
        return vars.publish(ctx, "infected", v, r.virus());
    }

    private void addHeaders(FilterContext ctx, ClamdClient.Result r) {
        if (headerMode.equals("off")) return;
        if (headerMode.equals("replace")) {
            // a sender could forge "X-Virus-Status: Clean"; only ours may remain
            ctx.edit().removeHeader(SCANNED);
            ctx.edit().removeHeader(STATUS);
        }
        String host = ctx.get(StandardVars.MTA_HOSTNAME);
        ctx.edit().addHeader(SCANNED, scannedBy + (host.isEmpty() ? "" : " at " + host));
        ctx.edit().addHeader(STATUS, r.infected() ? "Infected (" + r.virus() + ")" : "Clean");
    }

    Health health() {
        return health;
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return name + " (" + client + ")";
    }
}
