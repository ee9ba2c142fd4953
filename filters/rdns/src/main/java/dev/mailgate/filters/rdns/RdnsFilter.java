// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.rdns;

import static dev.mailgate.api.StandardVars.EHLO_HOST;
import static dev.mailgate.api.StandardVars.MTA_HOSTNAME;
import static dev.mailgate.api.StandardVars.REMOTE_SMTP_IP;
import static dev.mailgate.api.StandardVars.SMTP_IP;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.dns.Lookups;
import dev.mailgate.dns.DnsNames;
import dev.mailgate.dns.DnsResolver;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * checkReverseDNS and the HELO checks. At onConnect: the client address's PTR names and whether
 * one resolves back to it (forward-confirmed rDNS), into {@code rdns.*} (the MTA's own
 * {@code remoteSmtpHost} is left as it is). At onEhlo: hMailServer's HELO checks (syntax, an
 * address literal is the client's address, the name resolves to the client) and a client claiming
 * to be this server. It reports findings and never rejects by itself; a lookup that fails leaves
 * the answer unknown, and the chain applies the filter's {@code onError}.
 */
public final class RdnsFilter implements Filter {
    public static final Var<String> NAME = Var.string("rdns.name", Scope.CONNECTION, Stage.CONNECT,
            "the client's forward-confirmed PTR name, else its first PTR name, else empty");
    public static final Var<List<String>> NAMES = Var.stringList("rdns.names", Scope.CONNECTION, Stage.CONNECT,
            "the client address's PTR names (at most maxNames)");
    public static final Var<Boolean> CONFIRMED = Var.bool("rdns.confirmed", Scope.CONNECTION, Stage.CONNECT,
            "a PTR name resolves back to the client address (FCrDNS)");
    public static final Var<String> REVERSE_RESULT = Var.string("rdns.reverseResult", Scope.CONNECTION, Stage.CONNECT,
            "Pass (confirmed), Mismatch (PTR names, none resolves back), None (no PTR) or Error");
    public static final Var<String> HELO_RESULT = Var.string("rdns.heloResult", Scope.CONNECTION, Stage.EHLO,
            "Pass, Invalid, Mismatch, Unresolvable, Forged or Error");
    public static final Var<String> HELO_DETAIL = Var.string("rdns.heloDetail", Scope.CONNECTION, Stage.EHLO,
            "why, in a few words");

    public static final String RDNS_NONE = "RDNS_NONE";
    public static final String RDNS_MISMATCH = "RDNS_MISMATCH";
    public static final String RDNS_TEMPERROR = "RDNS_TEMPERROR";
    public static final String RDNS_TIMEOUT = "RDNS_TIMEOUT";
    public static final String HELO_INVALID = "HELO_INVALID";
    public static final String HELO_MISMATCH = "HELO_MISMATCH";
    public static final String HELO_UNRESOLVABLE = "HELO_UNRESOLVABLE";
    public static final String HELO_FORGED = "HELO_FORGED";
    public static final String HELO_TEMPERROR = "HELO_TEMPERROR";
    public static final String HELO_TIMEOUT = "HELO_TIMEOUT";

    private final DnsResolver dns;
    private final ReverseCheck reverse;
    private final HeloCheck helo;
    private final Duration budget;

    /** {@code reverse} or {@code helo} null: that check is off. */
    RdnsFilter(DnsResolver dns, ReverseCheck reverse, HeloCheck helo, Duration budget) {
        this.dns = dns;
        this.reverse = reverse;
        this.helo = helo;
        this.budget = budget;
    }

    /** Lookups only: they run while the client goes on, and are awaited where a rule reads them. */
    @Override
    public boolean startsEarly(Stage stage) {
        return stage == Stage.CONNECT || stage == Stage.EHLO;
    }

    @Override
    public Set<Stage> stages() {
        EnumSet<Stage> s = EnumSet.noneOf(Stage.class);
        if (reverse != null) s.add(Stage.CONNECT);
        if (helo != null) s.add(Stage.EHLO);
        return s;
    }

    @Override
    public List<Var<?>> provides() {
        return List.of(NAME, NAMES, CONFIRMED, REVERSE_RESULT, HELO_RESULT, HELO_DETAIL);
    }

    private Lookups lookups() {
        return new Lookups(dns, System.nanoTime() + budget.toNanos());
    }

    @Override
    public Verdict onConnect(FilterContext ctx) throws Exception {
        byte[] client = DnsNames.address(ctx.get(REMOTE_SMTP_IP));
        if (client == null) return Verdict.CONTINUE; // a unix socket: no address to look up
        ReverseCheck.Outcome o = reverse.check(client, lookups());
        ctx.set(REVERSE_RESULT, o.result().name());
        ctx.set(NAME, o.name());
        ctx.set(NAMES, o.names());
        ctx.set(CONFIRMED, o.result() == ReverseCheck.Result.Pass);
        switch (o.result()) {
            case None -> ctx.report(RDNS_NONE, o.detail());
            case Mismatch -> ctx.report(RDNS_MISMATCH, o.detail());
            case Error -> {
                ctx.report(o.timeout() ? RDNS_TIMEOUT : RDNS_TEMPERROR, o.detail());
                throw new LookupFailedException(o.detail());
            }
            case Pass -> { }
        }
        return Verdict.CONTINUE;
    }

    @Override
    public Verdict onEhlo(FilterContext ctx) throws Exception {
        byte[] client = DnsNames.address(ctx.get(REMOTE_SMTP_IP));
        HeloCheck.Outcome o = helo.check(ctx.get(EHLO_HOST), client, ctx.get(MTA_HOSTNAME), ctx.get(SMTP_IP), lookups());
        ctx.set(HELO_RESULT, o.result().name());
        ctx.set(HELO_DETAIL, o.detail());
        switch (o.result()) {
            case Invalid -> ctx.report(HELO_INVALID, o.detail());
            case Mismatch -> ctx.report(HELO_MISMATCH, o.detail());
            case Unresolvable -> ctx.report(HELO_UNRESOLVABLE, o.detail());
            case Forged -> ctx.report(HELO_FORGED, o.detail());
            case Error -> {
                ctx.report(o.timeout() ? HELO_TIMEOUT : HELO_TEMPERROR, o.detail());
                throw new LookupFailedException(o.detail());
            }
            case Pass -> { }
        }
        return Verdict.CONTINUE;
    }

    /** A lookup failed, so the check has no answer: the chain applies onError. */
    static final class LookupFailedException extends Exception {
        LookupFailedException(String detail) {
            super(detail);
        }
    }
}
