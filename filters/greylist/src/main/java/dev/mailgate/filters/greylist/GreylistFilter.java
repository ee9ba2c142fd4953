// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.greylist;

import static dev.mailgate.api.StandardVars.AUTH_USER;
import static dev.mailgate.api.StandardVars.MAIL_FROM_ADDR;
import static dev.mailgate.api.StandardVars.MAIL_FROM_DOMAIN;
import static dev.mailgate.api.StandardVars.RCPT_TO_ADDR;
import static dev.mailgate.api.StandardVars.RECIPIENTS;
import static dev.mailgate.api.StandardVars.REMOTE_SMTP_IP;
import static dev.mailgate.state.KeyValueStore.await;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Scope;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.filters.greylist.TripletRules.Status;
import dev.mailgate.filters.greylist.TripletRules.Step;
import dev.mailgate.filters.greylist.TripletRules.Write;
import dev.mailgate.state.ClientKeys;
import dev.mailgate.state.KeyValueStore;
import dev.mailgate.state.StoreUnavailableException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Greylisting: the first attempt of a (client network, sender, recipient) triplet is deferred with
 * 451 4.7.1; a real MTA retries after the delay and passes, most spamware never comes back. Runs
 * at onRcptTo (the earliest stage the triplet exists; a deferral there refuses that recipient
 * only) or, with {@code stage: onDataReceived}, once per message over all its recipients, so that
 * rules up to the end of data may still exempt it.
 *
 * <p>Not greylisted: whitelisted client networks, sender domains and recipients; authenticated
 * senders ({@code authUser}); messages for which a rule set {@code greylist.bypass} (e.g. on SPF
 * pass); client networks that already passed {@code autoWhitelist} triplets.
 *
 * <p>State lives in the {@link KeyValueStore}, so nodes sharing a Redis store share triplets. One
 * check reads the triplet and the auto-whitelist counter together (one round trip); only a
 * change of state writes.
 */
public final class GreylistFilter implements Filter {
    public static final Var<String> STATUS = Var.string("greylist.status", Scope.RECIPIENT, Stage.RCPT_TO,
            "new or early (deferred); passed, known or autowhitelisted (greylisting passed); whitelisted, authenticated, bypassed or noip (not greylisted)");
    public static final Var<Long> RETRY_IN = Var.integer("greylist.retryIn", Scope.RECIPIENT, Stage.RCPT_TO,
            "seconds until a deferred triplet would pass, 0 otherwise");
    public static final Var<Boolean> BYPASS = Var.bool("greylist.bypass", Scope.TRANSACTION, Stage.MAIL_FROM,
            "set it in a rule (e.g. if SPFResult == \"Pass\") to exempt this message from greylisting");

    /** Which stage greylists, and the options around the timing rules. */
    record Options(Stage stage, TripletRules rules, long autoWhitelist, ClientKeys keys, Whitelist whitelist,
                   boolean skipAuthenticated, String replyText) {}

    private final Options o;
    private final KeyValueStore store;
    private final InstantSource clock;

    GreylistFilter(Options options, KeyValueStore store, InstantSource clock) {
        this.o = options;
        this.store = store;
        this.clock = clock;
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(o.stage());
    }

    /** Only a remote store makes this filter wait; on the memory store it runs inline. */
    @Override
    public boolean blocking() {
        return !store.completesImmediately();
    }

    @Override
    public List<Var<?>> provides() {
        return List.of(STATUS, RETRY_IN, BYPASS);
    }

    @Override
    public Verdict onRcptTo(FilterContext ctx) {
        String rcpt = ctx.get(RCPT_TO_ADDR);
        String exempt = messageExemption(ctx);
        if (exempt == null && o.whitelist().recipient(rcpt)) exempt = "whitelisted";
        if (exempt != null) return pass(ctx, exempt);
        String network = o.keys().network(ctx.get(REMOTE_SMTP_IP)).orElseThrow();
        return decide(ctx, network, List.of(rcpt));
    }

    @Override
    public Verdict onDataReceived(FilterContext ctx) {
        String exempt = messageExemption(ctx);
        if (exempt != null) return pass(ctx, exempt);
        List<String> rcpts = ctx.get(RECIPIENTS).stream().filter(r -> !o.whitelist().recipient(r)).toList();
        if (rcpts.isEmpty()) return pass(ctx, "whitelisted");
        String network = o.keys().network(ctx.get(REMOTE_SMTP_IP)).orElseThrow();
        return decide(ctx, network, rcpts);
    }

    /** Why this message is not greylisted at all, or null. */
    private String messageExemption(FilterContext ctx) {
        String ip = ctx.get(REMOTE_SMTP_IP);
        if (o.keys().network(ip).isEmpty()) return "noip"; // unix socket, local submission: no client network to key on
        if (o.whitelist().client(ip) || o.whitelist().sender(ctx.get(MAIL_FROM_DOMAIN))) return "whitelisted";
        if (o.skipAuthenticated() && !ctx.get(AUTH_USER).isEmpty()) return "authenticated";
        if (ctx.get(BYPASS)) return "bypassed";
        return null;
    }

    private static Verdict pass(FilterContext ctx, String status) {
        ctx.set(STATUS, status);
        ctx.set(RETRY_IN, 0L);
        return Verdict.CONTINUE;
    }

    private Verdict decide(FilterContext ctx, String network, List<String> rcpts) {
        try {
            return decideOrThrow(ctx, network, rcpts);
        } catch (StoreUnavailableException e) {
            // the chain's onError decides; the finding says why, for the score and the log
            ctx.report(e.isTimeout() ? "GREYLIST_TIMEOUT" : "GREYLIST_TEMPERROR", e.getMessage());
            throw e;
        }
    }

    private Verdict decideOrThrow(FilterContext ctx, String network, List<String> rcpts) {
        String awlKey = Triplets.autoWhitelistKey(network);
        String sender = ctx.get(MAIL_FROM_ADDR);
        // every read in flight before the first wait: one round trip to a shared store
        CompletableFuture<Optional<String>> awl = o.autoWhitelist() > 0 ? store.get(awlKey) : CompletableFuture.completedFuture(Optional.empty());
        List<String> keys = rcpts.stream().map(r -> Triplets.key(network, sender, r)).toList();
        List<CompletableFuture<Optional<String>>> reads = keys.stream().map(store::get).toList();
        long passedTriplets = await(awl).map(GreylistFilter::count).orElse(0L);
        if (o.autoWhitelist() > 0 && passedTriplets >= o.autoWhitelist()) return pass(ctx, "autowhitelisted");

        long now = clock.millis();
        Status worst = Status.KNOWN;
        long retryIn = 0;
        for (int i = 0; i < keys.size(); i++) {
            Step s = apply(keys.get(i), awlKey, await(reads.get(i)), now);
            if (rank(s.status()) > rank(worst)) worst = s.status();
            retryIn = Math.max(retryIn, s.retryIn());
        }
        ctx.set(STATUS, worst.word());
        ctx.set(RETRY_IN, retryIn);
        if (!worst.deferred()) return Verdict.CONTINUE;
        ctx.report("GREYLIST_DEFERRED", worst.word() + " triplet from " + network);
        return new Verdict.TempReject(reply(worst, retryIn), false);
    }

    /** Applies the rules to one triplet and writes back what changed. */
    private Step apply(String key, String awlKey, Optional<String> stored, long now) {
        TripletRules rules = o.rules();
        Step s = rules.next(stored, now);
        if (s.write() == Write.CLAIM) {
            Optional<String> existing = await(store.putIfAbsent(key, TripletRules.firstSeen(now), rules.firstSeenTtl()));
            if (existing.isEmpty()) return s;
            s = rules.next(existing, now); // another session or node was first: judge by its record
        }
        switch (s.write()) {
            case RESTART -> await(store.put(key, TripletRules.firstSeen(now), rules.firstSeenTtl()));
            case MARK_PASSED -> {
                var mark = store.put(key, TripletRules.passed(now), rules.passLifetime());
                var counted = o.autoWhitelist() > 0 ? store.increment(awlKey, 1, rules.passLifetime()) : CompletableFuture.completedFuture(0L);
                await(mark);
                await(counted);
            }
            case REFRESH -> await(store.put(key, TripletRules.passed(now), rules.passLifetime()));
            case CLAIM, NONE -> { }
        }
        return s;
    }

    /** For a message with several recipients, the status that decides: any deferral defers it. */
    private static int rank(Status s) {
        return switch (s) {
            case KNOWN -> 0;
            case PASSED -> 1;
            case EARLY -> 2;
            case NEW -> 3;
        };
    }

    private SmtpReply reply(Status status, long retryIn) {
        if (o.replyText() != null) return SmtpReply.parse(o.replyText(), 451);
        String text = status == Status.NEW
                ? "Greylisted: first delivery attempt for this sender and recipient, please try again in " + retryIn + " seconds"
                : "Greylisted: retried too early, please try again in " + retryIn + " seconds";
        return new SmtpReply(451, "4.7.1", List.of(text));
    }

    private static long count(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
