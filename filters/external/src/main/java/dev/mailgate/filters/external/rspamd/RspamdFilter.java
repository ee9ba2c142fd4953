// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.rspamd;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.mailgate.filters.external.ResultVars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks rspamd about each message at the end of data and does what its action says, as rspamd's
 * milter mode would (each action's reaction is configurable), applying the headers rspamd asks to
 * add or remove. Findings: {@code RSPAMD_<ACTION>} (RSPAMD_REJECT, RSPAMD_SOFT_REJECT,
 * RSPAMD_GREYLIST, RSPAMD_ADD_HEADER, RSPAMD_REWRITE_SUBJECT), one {@code RSPAMD_<SYMBOL>} per
 * symbol, and {@code RSPAMD_SKIPPED}, {@code RSPAMD_TEMPERROR}, {@code RSPAMD_TIMEOUT}.
 * Variables: {@code <name>.result} (rspamd's action), {@code .action}, {@code .explanation},
 * {@code <name>.score}, {@code <name>.threshold}, {@code <name>.symbols}.
 */
final class RspamdFilter implements Filter, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RspamdFilter.class);

    private final String name;
    private final RspamdClient client;
    private final long maxSize;
    private final Map<String, ActionMap.Reaction> reactions;
    private final boolean milterHeaders;
    private final String subjectTag;
    private final ResultVars vars;
    private final Var<Double> score;
    private final Var<Double> required;
    private final Var<List<String>> symbols;
    private final Health health;

    RspamdFilter(String name, RspamdClient client, long maxSize, Map<String, ActionMap.Reaction> reactions, boolean milterHeaders, String subjectTag) {
        this.name = name;
        this.client = client;
        this.maxSize = maxSize;
        this.reactions = reactions;
        this.milterHeaders = milterHeaders;
        this.subjectTag = subjectTag;
        this.vars = new ResultVars(name, Stage.DATA_RECEIVED, "rspamd's action: no action, greylist, add header, rewrite subject, soft reject, reject; or skipped");
        this.score = vars.with(Var.decimal(name + ".score", Scope.TRANSACTION, Stage.DATA_RECEIVED, "rspamd's score"));
        this.required = vars.with(Var.decimal(name + ".threshold", Scope.TRANSACTION, Stage.DATA_RECEIVED, "rspamd's required score"));
        this.symbols = vars.with(Var.stringList(name + ".symbols", Scope.TRANSACTION, Stage.DATA_RECEIVED, "rspamd symbols that hit"));
        this.health = Health.of("rspamd", name);
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
        return Set.of(Modification.AddHeader.class, Modification.InsertHeader.class, Modification.ChangeHeader.class, Modification.Quarantine.class);
    }

    @Override
    public Verdict onDataReceived(FilterContext ctx) throws IOException {
        long size = MessageStream.size(ctx);
        var skipped = vars.skipIfLarger(ctx, size, maxSize, "RSPAMD", health);
        if (skipped.isPresent()) return skipped.get();
        long t0 = System.nanoTime();
        JsonNode answer;
        try {
            answer = client.check(() -> {
                try {
                    return MessageStream.open(ctx);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }, size, envelope(ctx));
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) throw e;
            boolean timeout = e instanceof SocketTimeoutException;
            health.failed(timeout, e.getMessage());
            ctx.report(timeout ? "RSPAMD_TIMEOUT" : "RSPAMD_TEMPERROR", e.getMessage());
            throw e;
        }
        String action = answer.path("action").asText("no action");
        List<String> hit = new ArrayList<>();
        answer.path("symbols").fieldNames().forEachRemaining(hit::add);
        ctx.set(score, answer.path("score").asDouble(0));
        ctx.set(required, answer.path("required_score").asDouble(0));
        ctx.set(symbols, hit);
        for (String s : hit) ctx.report("RSPAMD_" + symbol(s), "rspamd symbol");
        boolean spam = !action.equals("no action");
        health.answered(spam, t0);
        if (spam) ctx.report("RSPAMD_" + symbol(action), "rspamd action " + action);
        String message = answer.path("messages").path("smtp_message").asText("");
        ActionMap.Reaction reaction = reactions.getOrDefault(action, ActionMap.Reaction.CONTINUE);
        Verdict v = reaction.verdict(ctx, message, answer.path("score").asDouble(0));
        boolean delivered = v instanceof Verdict.Continue || v instanceof Verdict.Accept;
        if (delivered && milterHeaders) {
            List<String> unsupported = MilterBlock.apply(answer.get("milter"), ctx.edit());
            if (!unsupported.isEmpty()) LOG.warn("session={} filter={}: header changes rspamd asked for that cannot be passed on: {}", ctx.sessionId(), name, unsupported);
        }
        if (delivered && reaction.tag()) tag(ctx, action, answer);
        String explanation = message.isEmpty() ? action + ", score " + answer.path("score").asText() + " / " + answer.path("required_score").asText()
                + (hit.isEmpty() ? "" : ", " + String.join(",", hit)) : message;
        return vars.publish(ctx, action, v, explanation);
    }

    /** "add header" marks the message; "rewrite subject" takes rspamd's new subject (or our tag). */
    private void tag(FilterContext ctx, String action, JsonNode answer) {
        if (action.equals("rewrite subject")) {
            String subject = answer.path("subject").asText("");
            if (subject.isEmpty()) subject = subjectTag + " " + ctx.get(StandardVars.SUBJECT);
            ctx.edit().modifyHeader("Subject", subject.replaceAll("[\\r\\n]+", " "));
        } else if (!action.equals("no action")) {
            ctx.edit().modifyHeader("X-Spam", "Yes");
        }
    }

    private static Map<String, List<String>> envelope(FilterContext ctx) {
        Map<String, List<String>> h = new LinkedHashMap<>();
        h.put("From", List.of(ctx.get(StandardVars.MAIL_FROM_ADDR)));
        h.put("Rcpt", ctx.get(StandardVars.RECIPIENTS));
        h.put("IP", List.of(ctx.get(StandardVars.REMOTE_SMTP_IP)));
        h.put("Helo", List.of(ctx.get(StandardVars.EHLO_HOST)));
        String host = ctx.get(StandardVars.REMOTE_SMTP_HOST);
        h.put("Hostname", List.of(host.startsWith("[") ? "unknown" : host));
        h.put("Queue-Id", List.of(ctx.get(StandardVars.QUEUE_ID)));
        h.put("User", List.of(ctx.get(StandardVars.AUTH_USER)));
        h.put("MTA-Name", List.of(ctx.get(StandardVars.MTA_HOSTNAME)));
        return h;
    }

    static String symbol(String s) {
        return s.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9_]", "_");
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
