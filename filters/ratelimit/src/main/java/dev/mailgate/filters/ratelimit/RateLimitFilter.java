// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.ratelimit;

import static dev.mailgate.state.KeyValueStore.await;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Scope;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.state.ClientKeys;
import dev.mailgate.state.KeyValueStore;
import dev.mailgate.state.NetworkList;
import dev.mailgate.state.StoreUnavailableException;
import dev.mailgate.state.WindowCount;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Rate limits: at most {@code limit} messages (counted at onMailFrom) or recipients (counted at
 * onRcptTo) per {@code window}, per client IP, client network, sender, sender domain, recipient
 * or authenticated user, in a sliding window kept in the {@link KeyValueStore} (so nodes sharing
 * Redis count together). All dimensions of one check are counted in one round trip.
 *
 * <p>Over the limit: {@code tempreject} (451 4.7.1) or {@code reject} (550 5.7.1), and the unit is
 * not counted, so a client that backs off gets through again as the window slides; or
 * {@code continue}, which counts everything and only reports, for rules and scores to decide.
 */
public final class RateLimitFilter implements Filter {
    public static final Var<String> EXCEEDED = Var.string("ratelimit.exceeded", Scope.TRANSACTION, Stage.MAIL_FROM,
            "the dimensions over their limit (clientIp, sender, ...), comma-separated; empty if none");

    enum Action { TEMPREJECT, REJECT, CONTINUE }

    /** The settings of one ratelimit entry. */
    record Options(String name, List<Dimension> per, long limit, Duration window, boolean perRecipient, Action action,
                   NetworkList exempt, ClientKeys keys, String replyText) {}

    private final Options o;
    private final KeyValueStore store;

    RateLimitFilter(Options options, KeyValueStore store) {
        this.o = options;
        this.store = store;
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(o.perRecipient() ? Stage.RCPT_TO : Stage.MAIL_FROM);
    }

    @Override
    public boolean decidesAt(Stage stage) {
        return o.action() != Action.CONTINUE && stages().contains(stage);
    }

    /** Only a remote store makes this filter wait; on the memory store it runs inline. */
    @Override
    public boolean blocking() {
        return !store.completesImmediately();
    }

    @Override
    public List<Var<?>> provides() {
        List<Var<?>> vars = new ArrayList<>(Dimension.values().length + 1);
        for (Dimension d : Dimension.values()) vars.add(d.var());
        vars.add(EXCEEDED);
        return vars;
    }

    @Override
    public Verdict onMailFrom(FilterContext ctx) {
        return check(ctx);
    }

    @Override
    public Verdict onRcptTo(FilterContext ctx) {
        return check(ctx);
    }

    private Verdict check(FilterContext ctx) {
        if (o.exempt().contains(ctx.get(StandardVars.REMOTE_SMTP_IP))) return Verdict.CONTINUE;
        try {
            return count(ctx);
        } catch (StoreUnavailableException e) {
            ctx.report(e.isTimeout() ? "RATELIMIT_TIMEOUT" : "RATELIMIT_TEMPERROR", e.getMessage());
            throw e; // the chain's onError decides
        }
    }

    private Verdict count(FilterContext ctx) {
        // report-only counts every unit, so the variables show the true rate
        long limit = o.action() == Action.CONTINUE ? Long.MAX_VALUE : o.limit();
        List<Dimension> dims = new ArrayList<>();
        List<CompletableFuture<WindowCount>> counts = new ArrayList<>();
        for (Dimension d : o.per()) {
            Optional<String> value = d.value(ctx, o.keys());
            if (value.isEmpty()) continue;
            dims.add(d);
            counts.add(store.countInWindow(key(d, value.get()), 1, limit, o.window())); // all in flight, then wait
        }
        List<String> exceeded = new ArrayList<>();
        List<WindowCount> results = new ArrayList<>();
        for (int i = 0; i < dims.size(); i++) {
            WindowCount c = await(counts.get(i));
            results.add(c);
            if (!c.allowed() || c.count() > o.limit()) exceeded.add(dims.get(i).setting());
        }
        if (!exceeded.isEmpty() && o.action() != Action.CONTINUE) results = uncount(ctx, dims, results);
        for (int i = 0; i < dims.size(); i++) ctx.set(dims.get(i).var(), results.get(i).count());
        ctx.set(EXCEEDED, String.join(",", exceeded));
        if (exceeded.isEmpty()) return Verdict.CONTINUE;
        Dimension first = Dimension.bySetting(exceeded.get(0)).orElseThrow();
        ctx.report("RATELIMIT_EXCEEDED", String.join(",", exceeded) + " over " + o.limit() + " per " + Durations.text(o.window()));
        return switch (o.action()) {
            case TEMPREJECT -> new Verdict.TempReject(reply(first, 451, "4.7.1", ", please try again later"), false);
            case REJECT -> new Verdict.Reject(reply(first, 550, "5.7.1", ""), false);
            case CONTINUE -> Verdict.CONTINUE;
        };
    }

    /**
     * A refused unit is not counted in any dimension: the dimensions that had room counted it, so
     * they take it back (one more round trip, only for refusals).
     */
    private List<WindowCount> uncount(FilterContext ctx, List<Dimension> dims, List<WindowCount> results) {
        List<CompletableFuture<WindowCount>> undo = new ArrayList<>();
        for (int i = 0; i < dims.size(); i++) {
            undo.add(results.get(i).allowed()
                    ? store.countInWindow(key(dims.get(i), dims.get(i).value(ctx, o.keys()).orElseThrow()), -1, Long.MAX_VALUE, o.window())
                    : CompletableFuture.completedFuture(results.get(i)));
        }
        return undo.stream().map(KeyValueStore::await).toList();
    }

    private String key(Dimension d, String value) {
        // the window is part of the key: changing it must not reread slots counted with another length
        return "rl:" + o.name() + ":" + d.setting() + ":" + o.window().toSeconds() + ":" + value;
    }

    private SmtpReply reply(Dimension d, int code, String status, String tail) {
        if (o.replyText() != null) return SmtpReply.parse(o.replyText(), code);
        String unit = o.perRecipient() ? "recipients" : "messages";
        return new SmtpReply(code, status, List.of("Rate limit exceeded: more than " + o.limit() + " " + unit + " per "
                + Durations.text(o.window()) + " for this " + d.noun() + tail));
    }
}
