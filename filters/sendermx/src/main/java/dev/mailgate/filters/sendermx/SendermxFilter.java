// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.sendermx;

import static dev.mailgate.api.StandardVars.MAIL_FROM_ADDR;
import static dev.mailgate.api.StandardVars.MAIL_FROM_DOMAIN;

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
import java.util.List;
import java.util.Set;

/**
 * checkSenderMX: can the MAIL FROM domain receive mail (a bounce, a reply)? Sets the seeds'
 * {@code SenderMXCheckResult}: {@code Pass} (an MX host, or for a domain without MX the domain
 * itself, has a usable address), {@code Fail} (no such domain, a null MX, or no host with an
 * address), {@code Neutral} (the null sender or an address literal: nothing to check),
 * {@code Error} (a lookup failed or timed out: the answer is unknown, and the chain applies the
 * filter's {@code onError}). It never rejects by itself; the policy does.
 */
public final class SendermxFilter implements Filter {
    public static final Var<String> RESULT = Var.string("SenderMXCheckResult", Scope.TRANSACTION, Stage.MAIL_FROM,
            "Pass, Fail, Neutral or Error: can the MAIL FROM domain receive mail");
    public static final Var<String> REASON = Var.string("sendermx.reason", Scope.TRANSACTION, Stage.MAIL_FROM,
            "why, in a few words");
    public static final Var<List<String>> HOSTS = Var.stringList("sendermx.hosts", Scope.TRANSACTION, Stage.MAIL_FROM,
            "the mail hosts checked (the MX hosts, or the domain for an implicit MX)");

    /** The domain cannot receive mail. */
    public static final String FAIL = "SENDERMX_FAIL";
    /** The domain says it accepts no mail at all (RFC 7505); reported with {@link #FAIL}. */
    public static final String NULL_MX = "SENDERMX_NULL_MX";
    /** A lookup failed (SERVFAIL, refused). */
    public static final String TEMPERROR = "SENDERMX_TEMPERROR";
    /** A lookup did not answer in time. */
    public static final String TIMEOUT = "SENDERMX_TIMEOUT";

    private final DnsResolver dns;
    private final MxCheck check;
    private final Duration budget;

    SendermxFilter(DnsResolver dns, int maxHosts, Duration budget) {
        this.dns = dns;
        this.check = new MxCheck(maxHosts);
        this.budget = budget;
    }

    /** Lookups only: they run while the client goes on, and are awaited where a rule reads them. */
    @Override
    public boolean startsEarly(Stage stage) {
        return stage == Stage.MAIL_FROM;
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.MAIL_FROM);
    }

    @Override
    public List<Var<?>> provides() {
        return List.of(RESULT, REASON, HOSTS);
    }

    @Override
    public Verdict onMailFrom(FilterContext ctx) throws Exception {
        String raw = ctx.get(MAIL_FROM_DOMAIN);
        if (ctx.get(MAIL_FROM_ADDR).isEmpty()) return neutral(ctx, "the null sender");
        if (DnsNames.address(raw) != null) return neutral(ctx, "an address literal");
        String domain = DnsNames.normalize(raw);
        if (domain == null || !DnsNames.isHostName(domain)) {
            return publish(ctx, MxCheck.Outcome.fail("'" + raw + "' is not a domain name", List.of()));
        }
        MxCheck.Outcome o = check.check(domain, new Lookups(dns, System.nanoTime() + budget.toNanos()));
        return publish(ctx, o);
    }

    private static Verdict neutral(FilterContext ctx, String why) {
        ctx.set(RESULT, MxCheck.Result.Neutral.name());
        ctx.set(REASON, why);
        return Verdict.CONTINUE;
    }

    private static Verdict publish(FilterContext ctx, MxCheck.Outcome o) throws SendermxException {
        ctx.set(RESULT, o.result().name());
        ctx.set(REASON, o.reason());
        ctx.set(HOSTS, o.hosts());
        switch (o.result()) {
            case Fail -> {
                ctx.report(FAIL, o.reason());
                if (o.nullMx()) ctx.report(NULL_MX, o.reason());
            }
            case Error -> {
                ctx.report(o.timeout() ? TIMEOUT : TEMPERROR, o.reason());
                // unknown is not "fine": the chain turns this into the filter's onError
                throw new SendermxException(o.reason());
            }
            default -> { }
        }
        return Verdict.CONTINUE;
    }

    /** The check could not be made. */
    static final class SendermxException extends Exception {
        SendermxException(String detail) {
            super(detail);
        }
    }
}
