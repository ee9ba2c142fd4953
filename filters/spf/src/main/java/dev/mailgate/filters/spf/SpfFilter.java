// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static dev.mailgate.api.StandardVars.EHLO_HOST;
import static dev.mailgate.api.StandardVars.MAIL_FROM_ADDR;
import static dev.mailgate.api.StandardVars.MTA_HOSTNAME;
import static dev.mailgate.api.StandardVars.REMOTE_SMTP_IP;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Modification;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * checkSPF: evaluates the sender's SPF policy (RFC 7208) at onMailFrom, and the HELO identity at
 * onEhlo if configured; sets {@code SPFResult} and the {@code spf.*} variables, reports
 * {@code SPF_<RESULT>} (plus {@code SPF_TIMEOUT} when DNS was too slow), and adds Received-SPF and
 * Authentication-Results at the end of data. It never decides: rules and scores do.
 *
 * <p>A DNS failure or an overrun of the check's {@code deadline} is the result TempError, never
 * None; the chain's {@code onError} only applies if the filter itself fails or overruns its
 * {@code timeout}.
 */
public final class SpfFilter implements Filter {
    private static final Logger LOG = LoggerFactory.getLogger(SpfFilter.class);

    /** The seeds' variable: None, Neutral, Pass, Fail, SoftFail, TempError or PermError ("" if no check ran). */
    public static final Var<String> SPF_RESULT = Var.string("SPFResult", Scope.TRANSACTION, Stage.MAIL_FROM,
            "SPF result of the MAIL FROM identity (postmaster@HELO for a null sender): None, Neutral, Pass, Fail, SoftFail, TempError, PermError");
    public static final Var<String> DOMAIN = Var.string("spf.domain", Scope.TRANSACTION, Stage.MAIL_FROM,
            "the domain whose SPF policy was checked (MAIL FROM domain, or the HELO name for a null sender)");
    public static final Var<String> SENDER = Var.string("spf.sender", Scope.TRANSACTION, Stage.MAIL_FROM,
            "the <sender> checked: MAIL FROM, postmaster@domain without local part, postmaster@HELO for <>");
    public static final Var<String> EXPLANATION = Var.string("spf.explanation", Scope.TRANSACTION, Stage.MAIL_FROM,
            "for Fail: the domain's exp= explanation, or the configured default");
    public static final Var<String> MECHANISM = Var.string("spf.mechanism", Scope.TRANSACTION, Stage.MAIL_FROM,
            "the directive that matched (e.g. -all), 'default' if none did");
    public static final Var<String> PROBLEM = Var.string("spf.problem", Scope.TRANSACTION, Stage.MAIL_FROM,
            "for None, TempError and PermError: what went wrong");
    public static final Var<String> HELO_RESULT = Var.string("spf.helo.result", Scope.CONNECTION, Stage.EHLO,
            "SPF result of the HELO identity (with helo: true)");
    public static final Var<String> HELO_EXPLANATION = Var.string("spf.helo.explanation", Scope.CONNECTION, Stage.EHLO,
            "for a HELO Fail: the explanation");

    /** Reported with SPF_TEMPERROR when a lookup timed out or the check's deadline passed. */
    public static final String TIMEOUT_SYMBOL = "SPF_TIMEOUT";

    private final SpfEvaluator evaluator;
    private final SpfSettings settings;

    SpfFilter(SpfEvaluator evaluator, SpfSettings settings) {
        this.evaluator = evaluator;
        this.settings = settings;
    }

    /** Lookups only: they run while the client goes on, and are awaited where a rule reads them. */
    @Override
    public boolean startsEarly(Stage stage) {
        return stage == Stage.EHLO || stage == Stage.MAIL_FROM;
    }

    @Override
    public Set<Stage> stages() {
        EnumSet<Stage> s = EnumSet.of(Stage.MAIL_FROM);
        if (settings.helo()) s.add(Stage.EHLO);
        if (!settings.headers().isEmpty()) s.add(Stage.DATA_RECEIVED);
        return s;
    }

    /** The filter only sets variables and findings; the policy's rules decide. */
    @Override
    public boolean decidesAt(Stage stage) {
        return false;
    }

    @Override
    public List<Var<?>> provides() {
        List<Var<?>> vars = new ArrayList<>(List.of(SPF_RESULT, DOMAIN, SENDER, EXPLANATION, MECHANISM, PROBLEM));
        if (settings.helo()) vars.addAll(List.of(HELO_RESULT, HELO_EXPLANATION));
        return vars;
    }

    @Override
    public Set<Class<? extends Modification>> modifications() {
        return settings.headers().isEmpty() ? Set.of() : Set.of(Modification.InsertHeader.class);
    }

    @Override
    public Verdict onEhlo(FilterContext ctx) {
        Optional<IpAddress> ip = client(ctx);
        if (ip.isEmpty()) return Verdict.CONTINUE;
        SpfCheckResult r = evaluator.checkHelo(ip.get(), ctx.get(EHLO_HOST), receiver(ctx));
        ctx.set(HELO_RESULT, r.result().value());
        ctx.set(HELO_EXPLANATION, r.explanation());
        ctx.report("SPF_HELO_" + r.result().name(), detail(r));
        if (r.timedOut()) ctx.report("SPF_HELO_TIMEOUT", r.problem());
        log(ctx, r);
        return Verdict.CONTINUE;
    }

    @Override
    public Verdict onMailFrom(FilterContext ctx) {
        Optional<IpAddress> ip = client(ctx);
        if (ip.isEmpty()) return Verdict.CONTINUE;
        SpfCheckResult r = evaluator.checkMailFrom(ip.get(), ctx.get(MAIL_FROM_ADDR), ctx.get(EHLO_HOST), receiver(ctx));
        ctx.set(SPF_RESULT, r.result().value());
        ctx.set(DOMAIN, r.domain());
        ctx.set(SENDER, r.sender());
        ctx.set(EXPLANATION, r.explanation());
        ctx.set(MECHANISM, r.mechanism());
        ctx.set(PROBLEM, r.problem());
        ctx.report(r.result().symbol(), detail(r));
        if (r.timedOut()) ctx.report(TIMEOUT_SYMBOL, r.problem());
        log(ctx, r);
        return Verdict.CONTINUE;
    }

    @Override
    public Verdict onDataReceived(FilterContext ctx) {
        // no check ran (no client address), or a rule set SPFResult to something of its own
        Optional<SpfResult> result = SpfResult.ofValue(ctx.get(SPF_RESULT));
        if (result.isEmpty()) return Verdict.CONTINUE;
        SpfHeaders.Check mailFrom = new SpfHeaders.Check(result.get(), SpfCheckResult.MAILFROM, ctx.get(SENDER), ctx.get(DOMAIN),
                ctx.get(MECHANISM), ctx.get(PROBLEM));
        String receiver = receiver(ctx);
        String helo = ctx.get(EHLO_HOST);
        // both are trace fields: prepended, above the MTA's own Received: (RFC 7208 §9.1, RFC 8601 §5)
        if (settings.headers().contains(SpfHeaders.AUTHENTICATION_RESULTS)) {
            List<SpfHeaders.Check> checks = new ArrayList<>(List.of(mailFrom));
            Optional<SpfResult> heloResult = settings.helo() ? SpfResult.ofValue(ctx.get(HELO_RESULT)) : Optional.empty();
            heloResult.ifPresent(r -> checks.add(new SpfHeaders.Check(r, SpfCheckResult.HELO, "postmaster@" + helo, helo, "", "")));
            ctx.edit().insertHeader(0, SpfHeaders.AUTHENTICATION_RESULTS, SpfHeaders.authenticationResults(receiver, checks));
        }
        if (settings.headers().contains(SpfHeaders.RECEIVED_SPF)) {
            ctx.edit().insertHeader(0, SpfHeaders.RECEIVED_SPF, SpfHeaders.receivedSpf(mailFrom, receiver, ctx.get(REMOTE_SMTP_IP), helo));
        }
        return Verdict.CONTINUE;
    }

    /** The client's address; none for a local submission (unix socket, sendmail(1)): SPF does not apply. */
    private static Optional<IpAddress> client(FilterContext ctx) {
        String ip = ctx.get(REMOTE_SMTP_IP);
        Optional<IpAddress> a = ip.isEmpty() ? Optional.empty() : IpAddress.client(ip);
        if (a.isEmpty()) LOG.debug("session={} no client IP address ('{}'): no SPF check", ctx.sessionId(), ip);
        return a;
    }

    /** The authserv-id, receiver= and macro r: the configured name, else the MTA's host name. */
    private String receiver(FilterContext ctx) {
        if (!settings.authservId().isEmpty()) return settings.authservId();
        String mta = ctx.get(MTA_HOSTNAME);
        return mta.isEmpty() ? "localhost" : mta;
    }

    private static String detail(SpfCheckResult r) {
        return r.domain() + (r.problem().isEmpty() ? " " + r.mechanism() : ": " + r.problem());
    }

    private static void log(FilterContext ctx, SpfCheckResult r) {
        if (LOG.isDebugEnabled()) {
            LOG.debug("session={} spf identity={} sender=<{}> result={} mechanism={} problem={} dnsQueries={}",
                    ctx.sessionId(), r.identity(), r.sender(), r.result().value(), r.mechanism(), r.problem(), r.dnsQueries());
        }
    }
}
