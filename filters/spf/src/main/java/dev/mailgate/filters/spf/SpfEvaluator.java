// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.DnsType;
import dev.mailgate.filters.spf.SpfRecord.Directive;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;

/**
 * RFC 7208 {@code check_host()}: finds the domain's record, evaluates its directives in order,
 * follows include and redirect, and fetches the exp= explanation of a Fail. Thread-safe; each
 * check has its own {@link SpfCheck}. Blocks the calling (virtual) thread while DNS answers,
 * never longer than the deadline.
 */
final class SpfEvaluator {
    /** Longer explanations (a TXT record may hold kilobytes) are cut to this many characters. */
    static final int MAX_EXPLANATION = 500;

    private final DnsResolver resolver;
    private final Duration deadline;
    private final int maxTerms;
    private final int maxVoid;
    private final MacroString defaultExplanation;
    private final InstantSource clock;

    /**
     * @param deadline           the longest one check may take (§4.6.4: the result is then TempError)
     * @param maxTerms           DNS-querying terms allowed (10 in RFC 7208)
     * @param maxVoid            void lookups allowed (2 recommended)
     * @param defaultExplanation the explanation of a Fail without a usable exp=, a macro-string
     */
    SpfEvaluator(DnsResolver resolver, Duration deadline, int maxTerms, int maxVoid, MacroString defaultExplanation, InstantSource clock) {
        this.resolver = resolver;
        this.deadline = deadline;
        this.maxTerms = maxTerms;
        this.maxVoid = maxVoid;
        this.defaultExplanation = defaultExplanation;
        this.clock = clock;
    }

    /**
     * Checks the MAIL FROM identity; a null reverse-path checks {@code postmaster@<helo>} (§2.4),
     * a sender without local-part {@code postmaster@<domain>} (§4.3).
     *
     * @param receiver the checking host's name (macro r)
     */
    SpfCheckResult checkMailFrom(IpAddress ip, String mailFrom, String helo, String receiver) {
        if (mailFrom.isEmpty()) return check(ip, "postmaster", helo, helo, receiver, SpfCheckResult.MAILFROM);
        int at = mailFrom.lastIndexOf('@');
        String local = at < 0 ? mailFrom : mailFrom.substring(0, at);
        String domain = at < 0 ? "" : mailFrom.substring(at + 1);
        return check(ip, local.isEmpty() ? "postmaster" : local, domain, helo, receiver, SpfCheckResult.MAILFROM);
    }

    /** Checks the HELO identity: {@code postmaster@<helo>} (§2.3). */
    SpfCheckResult checkHelo(IpAddress ip, String helo, String receiver) {
        return check(ip, "postmaster", helo, helo, receiver, SpfCheckResult.HELO);
    }

    private SpfCheckResult check(IpAddress ip, String local, String domain, String helo, String receiver, String identity) {
        String d = DomainNames.strip(domain);
        SpfLookups lookups = new SpfLookups(resolver, System.nanoTime() + deadline.toNanos(), maxTerms, maxVoid);
        SpfCheck c = new SpfCheck(ip, local, d, helo, lookups, receiver, clock.instant().getEpochSecond());
        try {
            Outcome o = checkHost(c, d, true);
            return new SpfCheckResult(o.result, identity, d, c.sender, o.explanation, o.mechanism, o.problem, false, lookups.queries());
        } catch (SpfException e) {
            return new SpfCheckResult(e.result(), identity, d, c.sender, "", "", e.getMessage(), e.isTimeout(), lookups.queries());
        }
    }

    /** The result of one check_host() level. */
    private record Outcome(SpfResult result, String explanation, String mechanism, String problem) {
        static Outcome none(String problem) {
            return new Outcome(SpfResult.NONE, "", "", problem);
        }
    }

    /** §4: check_host(ip, domain, sender); {@code explain} is false inside include, whose exp= never counts. */
    private Outcome checkHost(SpfCheck c, String domain, boolean explain) throws SpfException {
        if (!DomainNames.isCheckable(domain)) return Outcome.none("'" + domain + "' is not a domain name SPF can check");
        SpfRecord record = fetch(c, domain);
        if (record == null) return Outcome.none(domain + " has no SPF record");
        for (Directive d : record.directives()) {
            if (d.mechanism().queriesDns()) c.lookups.countTerm(d.text());
            if (matches(c, domain, d)) {
                SpfResult r = SpfResult.ofQualifier(d.qualifier());
                String exp = r == SpfResult.FAIL && explain ? explanation(c, domain, record) : "";
                return new Outcome(r, exp, d.text(), "");
            }
        }
        if (record.redirect() != null) {
            // §6.1: the redirect's result is the result, its exp= (not ours) explains a Fail
            c.lookups.countTerm("redirect=" + record.redirect());
            String target = DomainNames.forQuery(record.redirect().expand(c.values(domain)));
            Outcome o = checkHost(c, target, explain);
            if (o.result == SpfResult.NONE) throw SpfException.permError("redirect=" + target + ": " + o.problem);
            return o;
        }
        return new Outcome(SpfResult.NEUTRAL, "", "default", "");
    }

    private boolean matches(SpfCheck c, String domain, Directive d) throws SpfException {
        if (!(d.mechanism() instanceof SpfRecord.Include inc)) return MechanismMatcher.matches(c, domain, d.mechanism());
        // §5.2: pass matches; fail, softfail and neutral do not; none is a PermError
        String target = DomainNames.forQuery(inc.domain().expand(c.values(domain)));
        Outcome o = checkHost(c, target, false);
        return switch (o.result) {
            case PASS -> true;
            case FAIL, SOFTFAIL, NEUTRAL -> false;
            case NONE -> throw SpfException.permError(d.text() + ": " + o.problem);
            case TEMPERROR, PERMERROR -> throw new IllegalStateException("errors are thrown, not returned");
        };
    }

    /** §4.4, §4.5: the one TXT record starting with "v=spf1"; null for none. */
    private static SpfRecord fetch(SpfCheck c, String domain) throws SpfException {
        DnsAnswer a = c.lookups.require(domain, DnsType.TXT);
        if (a.isEmpty()) return null;
        List<String> spf = a.records().stream().filter(SpfRecordParser::isSpfRecord).toList();
        if (spf.isEmpty()) return null;
        if (spf.size() > 1) throw SpfException.permError(domain + " has " + spf.size() + " SPF records (RFC 7208 section 4.5)");
        return SpfRecordParser.parse(spf.get(0));
    }

    /**
     * §6.2: the exp= text of the record that failed, expanded; any trouble (no name, DNS error,
     * not exactly one TXT record, bad syntax, non-ASCII) falls back to the default explanation.
     * Not counted against the lookup limits.
     */
    private String explanation(SpfCheck c, String domain, SpfRecord record) {
        MacroString.Values values = c.values(domain);
        if (record.exp() != null) {
            try {
                String name = DomainNames.forQuery(record.exp().expand(values));
                DnsAnswer a = DomainNames.isQueryable(name) ? c.lookups.query(name, DnsType.TXT) : null;
                if (a != null && a.status() == DnsAnswer.Status.OK && a.records().size() == 1) {
                    String text = a.records().get(0);
                    if (text.chars().allMatch(ch -> ch >= 0x20 && ch <= 0x7e)) {
                        return printable(MacroString.parse(text, MacroString.Kind.EXPLANATION).expand(values));
                    }
                }
            } catch (SpfException e) {
                // proceed as if no exp= was given
            }
        }
        return printable(defaultExplanation.expand(values));
    }

    /**
     * The explanation goes into SMTP replies: printable ASCII only (macros could bring other
     * bytes), and short enough for one reply line (libmilter allows 980 characters).
     */
    static String printable(String s) {
        int n = Math.min(s.length(), MAX_EXPLANATION);
        StringBuilder sb = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char ch = s.charAt(i);
            sb.append(ch >= 0x20 && ch <= 0x7e ? ch : '?');
        }
        return sb.toString();
    }
}
