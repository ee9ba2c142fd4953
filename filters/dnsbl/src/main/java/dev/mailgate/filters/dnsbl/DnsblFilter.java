// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.dnsbl;

import static dev.mailgate.api.StandardVars.EHLO_HOST;
import static dev.mailgate.api.StandardVars.MAIL_FROM_DOMAIN;
import static dev.mailgate.api.StandardVars.REMOTE_SMTP_IP;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.dns.DnsNames;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.filters.dnsbl.ListLookups.Failed;
import dev.mailgate.filters.dnsbl.ListLookups.Listed;
import dev.mailgate.filters.dnsbl.ListLookups.Outcome;
import dev.mailgate.filters.dnsbl.ListLookups.Target;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * checkDNSBL: the client address in DNS block lists and allow lists at onConnect, the HELO name
 * (onEhlo) and the MAIL FROM domain (onMailFrom) in domain lists, every list of a stage at once.
 * It sets the seeds' {@code DNSBLServer}, {@code DNSBLResult}, {@code DNSBLExplanation} and reports
 * findings; the policy decides (e.g. rejects with the list's text). It decides itself only when
 * an allow list accepts ({@code allowAction: accept}) and when a list could not answer: a lookup
 * that failed is never "not listed", so with no listing found the filter fails and the chain
 * applies its {@code onError}.
 */
public final class DnsblFilter implements Filter {
    public static final Var<String> DNSBL_SERVER = Var.string("DNSBLServer", Scope.CONNECTION, Stage.CONNECT,
            "the first block list (in policy order) that lists the client; empty if none");
    public static final Var<String> DNSBL_RESULT = Var.string("DNSBLResult", Scope.CONNECTION, Stage.CONNECT,
            "that list's answer (127.0.0.2; several joined with ','); empty if not listed");
    public static final Var<String> DNSBL_EXPLANATION = Var.string("DNSBLExplanation", Scope.CONNECTION, Stage.CONNECT,
            "that list's TXT text for the client, one line; may be empty");
    public static final Var<List<String>> LISTED_BY = Var.stringList("dnsbl.listedBy", Scope.CONNECTION, Stage.CONNECT,
            "every block list that lists the client");
    public static final Var<List<String>> MEANINGS = Var.stringList("dnsbl.meanings", Scope.CONNECTION, Stage.CONNECT,
            "the return-code meanings of those listings (e.g. ZEN_XBL)");
    public static final Var<String> ALLOWED_BY = Var.string("dnsbl.allowedBy", Scope.CONNECTION, Stage.CONNECT,
            "the allow list (DNSWL) that lists the client; empty if none");
    public static final Var<String> HELO_LISTED_BY = Var.string("dnsbl.heloListedBy", Scope.CONNECTION, Stage.EHLO,
            "the domain list that lists the HELO name; empty if none");
    public static final Var<String> HELO_EXPLANATION = Var.string("dnsbl.heloExplanation", Scope.CONNECTION, Stage.EHLO,
            "its TXT text");
    public static final Var<String> FROM_LISTED_BY = Var.string("dnsbl.fromListedBy", Scope.TRANSACTION, Stage.MAIL_FROM,
            "the domain list that lists the MAIL FROM domain; empty if none");
    public static final Var<String> FROM_EXPLANATION = Var.string("dnsbl.fromExplanation", Scope.TRANSACTION, Stage.MAIL_FROM,
            "its TXT text");

    /** The client address is on a block list. */
    public static final String LISTED = "DNSBL_LISTED";
    /** The HELO name is on a domain list. */
    public static final String HELO_LISTED = "DNSBL_HELO_LISTED";
    /** The MAIL FROM domain is on a domain list. */
    public static final String FROM_LISTED = "DNSBL_FROM_LISTED";
    /** The client address is on an allow list. */
    public static final String ALLOWED = "DNSBL_ALLOWED";
    /** A list failed (SERVFAIL, refused, an error code as answer). */
    public static final String TEMPERROR = "DNSBL_TEMPERROR";
    /** A list did not answer in time. */
    public static final String TIMEOUT = "DNSBL_TIMEOUT";

    /** What a listing on an allow list does. */
    enum AllowAction {
        /** Accept the connection: every later check is skipped. */
        ACCEPT,
        /** Ignore the block lists for this client; the rest of the policy runs. */
        SKIP,
        /** Only report {@code DNSBL_ALLOWED} (and set {@code dnsbl.allowedBy}) for the policy to weigh. */
        CONTINUE
    }

    private final DnsResolver dns;
    private final List<DnsblZone> block;
    private final List<DnsblZone> allow;
    private final List<DnsblZone> heloLists;
    private final List<DnsblZone> fromLists;
    private final AllowAction allowAction;
    private final boolean txt;
    private final Duration budget;

    DnsblFilter(DnsResolver dns, List<DnsblZone> block, List<DnsblZone> domains, List<DnsblZone> allow,
                AllowAction allowAction, boolean txt, Duration budget) {
        this.dns = dns;
        this.block = List.copyOf(block);
        this.allow = List.copyOf(allow);
        this.heloLists = domains.stream().filter(DnsblZone::helo).toList();
        this.fromLists = domains.stream().filter(DnsblZone::from).toList();
        this.allowAction = allowAction;
        this.txt = txt;
        this.budget = budget;
        for (DnsblZone z : block) dns.metrics().track(z.zone());
        for (DnsblZone z : domains) dns.metrics().track(z.zone());
        for (DnsblZone z : allow) dns.metrics().track(z.zone());
    }

    /** Lookups only: they run while the client goes on, and are awaited where a rule reads them. */
    @Override
    public boolean startsEarly(Stage stage) {
        return stage == Stage.CONNECT || stage == Stage.EHLO || stage == Stage.MAIL_FROM;
    }

    @Override
    public Set<Stage> stages() {
        EnumSet<Stage> s = EnumSet.noneOf(Stage.class);
        if (!block.isEmpty() || !allow.isEmpty()) s.add(Stage.CONNECT);
        if (!heloLists.isEmpty()) s.add(Stage.EHLO);
        if (!fromLists.isEmpty()) s.add(Stage.MAIL_FROM);
        return s;
    }

    @Override
    public List<Var<?>> provides() {
        return List.of(DNSBL_SERVER, DNSBL_RESULT, DNSBL_EXPLANATION, LISTED_BY, MEANINGS, ALLOWED_BY,
                HELO_LISTED_BY, HELO_EXPLANATION, FROM_LISTED_BY, FROM_EXPLANATION);
    }

    @Override
    public Verdict onConnect(FilterContext ctx) throws Exception {
        byte[] address = DnsNames.address(ctx.get(REMOTE_SMTP_IP));
        if (address == null) return Verdict.CONTINUE; // a unix socket or an unknown family: nothing to look up
        String reversed = DnsNames.reversed(address);
        String ip = DnsNames.format(address);
        List<Target> targets = new ArrayList<>();
        for (DnsblZone z : allow) targets.add(new Target(z, reversed + "." + z.zone(), ip));
        for (DnsblZone z : block) targets.add(new Target(z, reversed + "." + z.zone(), ip));
        List<Outcome> outcomes = ListLookups.run(dns, targets, txt, budget);
        List<Outcome> allowed = outcomes.subList(0, allow.size());
        List<Outcome> blocked = outcomes.subList(allow.size(), outcomes.size());

        Listed allowing = firstListed(allowed);
        // an allow list that failed can only make the check stricter: reported, never an error
        reportFailures(ctx, allowed);
        if (allowing != null) {
            ctx.set(ALLOWED_BY, allowing.zone().zone());
            ctx.report(ALLOWED, allowing.zone().zone() + ": " + ip + " " + String.join(",", allowing.answers()));
            ctx.report(allowing.zone().symbol(), ip);
            if (allowAction == AllowAction.ACCEPT) return Verdict.ACCEPT;
            if (allowAction == AllowAction.SKIP) return Verdict.CONTINUE;
        }
        List<Listed> listings = blocked.stream().filter(o -> o instanceof Listed).map(o -> (Listed) o).toList();
        if (!listings.isEmpty()) {
            Listed first = listings.get(0);
            ctx.set(DNSBL_SERVER, first.zone().zone());
            ctx.set(DNSBL_RESULT, String.join(",", first.answers()));
            ctx.set(DNSBL_EXPLANATION, first.explanation());
            ctx.set(LISTED_BY, listings.stream().map(l -> l.zone().zone()).toList());
            Set<String> meanings = new LinkedHashSet<>();
            for (Listed l : listings) meanings.addAll(l.meanings());
            ctx.set(MEANINGS, List.copyOf(meanings));
            for (Listed l : listings) report(ctx, LISTED, l);
        }
        return failIfUnknown(ctx, blocked, listings.isEmpty());
    }

    @Override
    public Verdict onEhlo(FilterContext ctx) throws Exception {
        String helo = ctx.get(EHLO_HOST);
        // an address literal is no domain; the rdns filter judges HELO syntax
        if (DnsNames.address(helo) != null) return Verdict.CONTINUE;
        return domainCheck(ctx, heloLists, helo, HELO_LISTED, HELO_LISTED_BY, HELO_EXPLANATION);
    }

    @Override
    public Verdict onMailFrom(FilterContext ctx) throws Exception {
        return domainCheck(ctx, fromLists, ctx.get(MAIL_FROM_DOMAIN), FROM_LISTED, FROM_LISTED_BY, FROM_EXPLANATION);
    }

    private Verdict domainCheck(FilterContext ctx, List<DnsblZone> lists, String domain, String symbol,
                                Var<String> listedBy, Var<String> explanation) throws Exception {
        String d = DnsNames.normalize(domain);
        if (d == null) return Verdict.CONTINUE; // null sender, no HELO, or no possible DNS name
        List<Target> targets = new ArrayList<>();
        for (DnsblZone z : lists) {
            String name = DnsNames.normalize(d + "." + z.zone());
            if (name != null) targets.add(new Target(z, name, d)); // too long to be listed otherwise
        }
        List<Outcome> outcomes = ListLookups.run(dns, targets, txt, budget);
        Listed first = firstListed(outcomes);
        // set even when clean: a second EHLO (after STARTTLS) must not keep the first one's result
        ctx.set(listedBy, first == null ? "" : first.zone().zone());
        ctx.set(explanation, first == null ? "" : first.explanation());
        if (first != null) {
            for (Outcome o : outcomes) if (o instanceof Listed l) report(ctx, symbol, l);
        }
        return failIfUnknown(ctx, outcomes, first == null);
    }

    private static void report(FilterContext ctx, String symbol, Listed l) {
        String detail = l.zone().zone() + ": " + l.subject() + " " + String.join(",", l.answers())
                + (l.explanation().isEmpty() ? "" : " (" + l.explanation() + ")");
        ctx.report(symbol, detail);
        ctx.report(l.zone().symbol(), detail);
        for (String m : l.meanings()) ctx.report(m, detail);
    }

    /** Reports the failed lists; without any listing their silence leaves the answer unknown. */
    private static Verdict failIfUnknown(FilterContext ctx, List<Outcome> outcomes, boolean noListing) throws DnsblException {
        List<Failed> failed = reportFailures(ctx, outcomes);
        if (noListing && !failed.isEmpty()) {
            throw new DnsblException(String.join("; ", failed.stream().map(Failed::detail).toList()));
        }
        return Verdict.CONTINUE;
    }

    private static List<Failed> reportFailures(FilterContext ctx, List<Outcome> outcomes) {
        List<Failed> failed = new ArrayList<>();
        for (Outcome o : outcomes) {
            if (o instanceof Failed f) {
                ctx.report(f.timeout() ? TIMEOUT : TEMPERROR, f.detail());
                failed.add(f);
            }
        }
        return failed;
    }

    private static Listed firstListed(List<Outcome> outcomes) {
        for (Outcome o : outcomes) if (o instanceof Listed l) return l;
        return null;
    }

    /** No list said "listed" and at least one could not answer: the chain applies onError. */
    static final class DnsblException extends Exception {
        DnsblException(String detail) {
            super(detail);
        }
    }
}
