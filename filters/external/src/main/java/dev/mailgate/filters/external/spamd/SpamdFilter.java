// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.spamd;

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
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Asks spamd about each message at the end of data, as spamass-milter does. Findings:
 * {@code SPAMD_SPAM}, one {@code SPAMD_<RULE>} per SpamAssassin rule that hit (SYMBOLS), and
 * {@code SPAMD_SKIPPED}, {@code SPAMD_TEMPERROR}, {@code SPAMD_TIMEOUT}. Variables:
 * {@code <name>.result} (spam, ham, skipped; error or timeout), {@code .action},
 * {@code .explanation} (score, threshold and rules, or the REPORT text), {@code <name>.score},
 * {@code <name>.threshold}, {@code <name>.symbols}.
 */
final class SpamdFilter implements Filter {
    static final List<String> HEADERS = List.of("X-Spam-Flag", "X-Spam-Status", "X-Spam-Score", "X-Spam-Level");

    /** What to do with spam: tag (headers, subject) and deliver, or a {@link Reaction}. */
    record OnSpam(boolean tag, Reaction reaction) {}

    private final String name;
    private final SpamdClient client;
    private final long maxSize;
    private final Double threshold;
    private final OnSpam onSpam;
    private final Double rejectScore;
    private final Reaction rejectAbove;
    private final String headerMode;
    private final String subjectTag;
    private final ResultVars vars;
    private final Var<Double> score;
    private final Var<Double> required;
    private final Var<List<String>> symbols;
    private final Health health;

    SpamdFilter(String name, SpamdClient client, long maxSize, Double threshold, OnSpam onSpam, Double rejectScore, Reaction rejectAbove,
                String headerMode, String subjectTag) {
        this.name = name;
        this.client = client;
        this.maxSize = maxSize;
        this.threshold = threshold;
        this.onSpam = onSpam;
        this.rejectScore = rejectScore;
        this.rejectAbove = rejectAbove;
        this.headerMode = headerMode;
        this.subjectTag = subjectTag;
        this.vars = new ResultVars(name, Stage.DATA_RECEIVED, "spam, ham or skipped (larger than maxSize)");
        this.score = vars.with(Var.decimal(name + ".score", Scope.TRANSACTION, Stage.DATA_RECEIVED, "SpamAssassin's score"));
        this.required = vars.with(Var.decimal(name + ".threshold", Scope.TRANSACTION, Stage.DATA_RECEIVED, "score from which a message is spam"));
        this.symbols = vars.with(Var.stringList(name + ".symbols", Scope.TRANSACTION, Stage.DATA_RECEIVED, "SpamAssassin rules that hit"));
        this.health = Health.of("spamd", name);
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
        return Set.of(Modification.AddHeader.class, Modification.ChangeHeader.class, Modification.Quarantine.class);
    }

    @Override
    public Verdict onDataReceived(FilterContext ctx) throws IOException {
        long size = MessageStream.size(ctx);
        var skipped = vars.skipIfLarger(ctx, size, maxSize, "SPAMD", health);
        if (skipped.isPresent()) return skipped.get();
        long t0 = System.nanoTime();
        SpamdClient.Result r;
        try (InputStream in = MessageStream.open(ctx)) {
            r = client.check(in, size);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) throw e;
            boolean timeout = e instanceof SocketTimeoutException;
            health.failed(timeout, e.getMessage());
            ctx.report(timeout ? "SPAMD_TIMEOUT" : "SPAMD_TEMPERROR", e.getMessage());
            throw e;
        }
        double limit = threshold != null ? threshold : r.threshold();
        boolean spam = r.score() >= limit;
        health.answered(spam, t0);
        ctx.set(score, r.score());
        ctx.set(required, limit);
        ctx.set(symbols, r.symbols());
        for (String s : r.symbols()) ctx.report("SPAMD_" + s.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_"), "SpamAssassin rule");
        String status = (spam ? "Yes" : "No") + ", score=" + fmt(r.score()) + " required=" + fmt(limit)
                + (r.symbols().isEmpty() ? "" : " tests=" + String.join(",", r.symbols()));
        String explanation = r.report().isEmpty() ? status : r.report();
        if (!spam) {
            headers(ctx, false, r.score(), status);
            return vars.publish(ctx, "ham", Verdict.CONTINUE, explanation);
        }
        ctx.report("SPAMD_SPAM", status);
        Map<String, String> values = Map.of("score", fmt(r.score()), "threshold", fmt(limit), "name", name);
        if (rejectScore != null && r.score() >= rejectScore) {
            return vars.publish(ctx, "spam", rejectAbove.apply(ctx, values), explanation);
        }
        Verdict v = onSpam.tag() ? Verdict.CONTINUE : onSpam.reaction().apply(ctx, values);
        if (v instanceof Verdict.Continue || v instanceof Verdict.Accept) {
            headers(ctx, true, r.score(), status);
            if (!subjectTag.isEmpty()) {
                String subject = ctx.get(StandardVars.SUBJECT);
                if (!subject.startsWith(subjectTag)) ctx.edit().modifyHeader("Subject", subjectTag + " " + subject);
            }
        }
        return vars.publish(ctx, "spam", v, explanation);
    }

    private void headers(FilterContext ctx, boolean spam, double s, String status) {
        if (headerMode.equals("off")) return;
        if (headerMode.equals("replace")) for (String h : HEADERS) ctx.edit().removeHeader(h);
        if (spam) ctx.edit().addHeader("X-Spam-Flag", "YES");
        ctx.edit().addHeader("X-Spam-Status", status);
        ctx.edit().addHeader("X-Spam-Score", fmt(s));
        // SpamAssassin's bar: one star per point, at most 50
        ctx.edit().addHeader("X-Spam-Level", "*".repeat((int) Math.max(0, Math.min(50, Math.floor(s)))));
    }

    static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    @Override
    public String toString() {
        return name + " (" + client + ")";
    }
}
