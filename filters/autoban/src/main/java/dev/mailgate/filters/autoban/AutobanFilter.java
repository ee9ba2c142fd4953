// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.autoban;

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
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * hMailServer's auto-ban: a client that collects {@code maxStrikes} strikes within {@code window}
 * is banned for {@code banFor}, and a banned client is refused at onConnect. A strike is a message
 * (a transaction, whether accepted, refused or abandoned) that carried one of the configured
 * findings: filters report a finding when they refuse ({@code RATELIMIT_EXCEEDED},
 * {@code LIMITS_RCPT_COUNT}, ...) and a rule that refuses can report one too
 * ({@code then: [ {reject: "..."}, {report: NO_SUCH_USER} ]}). Strikes are counted when the
 * transaction ends (onReset), where its findings are still known.
 *
 * <p>Strikes and bans live in the {@link KeyValueStore}: with Redis, a ban earned on one node
 * holds on every node. The ban's end is stored in the value and compared with the clock.
 */
public final class AutobanFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(AutobanFilter.class);

    public static final Var<Boolean> BANNED = Var.bool("autoban.banned", Scope.CONNECTION, Stage.CONNECT,
            "the client is banned (at onConnect, or from the message that earned the ban on)");
    public static final Var<Long> STRIKES = Var.integer("autoban.strikes", Scope.CONNECTION, Stage.CONNECT,
            "the client's strikes in the window, after the last message of this session that earned one");

    /** The settings of one autoban entry. */
    record Options(String name, Set<String> strikeFindings, long maxStrikes, Duration window, Duration banFor, boolean reject,
                   NetworkList exempt, boolean exemptAuthenticated, ClientKeys keys, String replyText) {}

    private final Options o;
    private final KeyValueStore store;
    private final InstantSource clock;

    AutobanFilter(Options options, KeyValueStore store, InstantSource clock) {
        this.o = options;
        this.store = store;
        this.clock = clock;
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.CONNECT, Stage.MAIL_FROM, Stage.RESET);
    }

    /** Only a remote store makes this filter wait; on the memory store it runs inline. */
    @Override
    public boolean blocking() {
        return !store.completesImmediately();
    }

    @Override
    public List<Var<?>> provides() {
        return List.of(BANNED, STRIKES);
    }

    @Override
    public Verdict onConnect(FilterContext ctx) {
        Optional<String> client = client(ctx);
        if (client.isEmpty()) return Verdict.CONTINUE;
        long until;
        try {
            until = await(store.get(banKey(client.get()))).map(AutobanFilter::millis).orElse(0L);
        } catch (StoreUnavailableException e) {
            ctx.report(e.isTimeout() ? "AUTOBAN_TIMEOUT" : "AUTOBAN_TEMPERROR", e.getMessage());
            throw e; // the chain's onError decides (continue is the sensible one here)
        }
        if (clock.millis() >= until) return Verdict.CONTINUE;
        ctx.set(BANNED, true);
        return refuse(ctx, until);
    }

    /** A ban earned by an earlier message of this same connection. */
    @Override
    public Verdict onMailFrom(FilterContext ctx) {
        return ctx.get(BANNED) ? refuse(ctx, clock.millis() + o.banFor().toMillis()) : Verdict.CONTINUE;
    }

    @Override
    public void onReset(FilterContext ctx) {
        Optional<String> client = client(ctx);
        if (client.isEmpty() || ctx.get(BANNED)) return;
        if (o.exemptAuthenticated() && !ctx.get(StandardVars.AUTH_USER).isEmpty()) return;
        List<String> hits = ctx.get(StandardVars.FINDINGS).stream().filter(o.strikeFindings()::contains).toList();
        if (hits.isEmpty()) return;
        try {
            long strikes = await(store.countInWindow(strikeKey(client.get()), 1, Long.MAX_VALUE, o.window())).count();
            ctx.set(STRIKES, strikes);
            if (strikes < o.maxStrikes()) return;
            long until = clock.millis() + o.banFor().toMillis();
            await(store.put(banKey(client.get()), Long.toString(until), o.banFor()));
            await(store.delete(strikeKey(client.get()))); // after the ban, the client starts from zero
            ctx.set(BANNED, true);
            LOG.info("{}: client {} ({}) banned until {} after {} strikes within {} s (last: {})", o.name(),
                    ctx.get(StandardVars.REMOTE_SMTP_IP), client.get(), Instant.ofEpochMilli(until).truncatedTo(ChronoUnit.SECONDS),
                    strikes, o.window().toSeconds(), String.join(",", hits));
        } catch (StoreUnavailableException e) {
            ctx.report(e.isTimeout() ? "AUTOBAN_TIMEOUT" : "AUTOBAN_TEMPERROR", e.getMessage());
            throw e; // logged by the chain; a strike lost while the store is away is no reason to stop mail
        }
    }

    /** The client's network key, unless it has no address or is exempt. */
    private Optional<String> client(FilterContext ctx) {
        String ip = ctx.get(StandardVars.REMOTE_SMTP_IP);
        if (o.exempt().contains(ip)) return Optional.empty();
        return o.keys().network(ip);
    }

    private Verdict refuse(FilterContext ctx, long until) {
        ctx.report("AUTOBAN_BANNED", "banned until " + Instant.ofEpochMilli(until));
        if (o.reject()) return new Verdict.Reject(reply(554, "5.7.1", until), false);
        return new Verdict.TempReject(reply(451, "4.7.1", until), false);
    }

    private SmtpReply reply(int code, String status, long until) {
        if (o.replyText() != null) return SmtpReply.parse(o.replyText(), code);
        long minutes = Math.max(1, (until - clock.millis() + 59_999) / 60_000);
        return new SmtpReply(code, status, List.of("Too many refused attempts from your address; banned for " + minutes + " more minutes"));
    }

    private String banKey(String client) {
        return "ab:" + o.name() + ":b:" + client;
    }

    private String strikeKey(String client) {
        return "ab:" + o.name() + ":s:" + client;
    }

    private static long millis(String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            return 0; // not a ban we wrote: ignore it
        }
    }
}
