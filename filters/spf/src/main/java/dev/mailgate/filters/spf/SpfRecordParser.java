// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.filters.spf.SpfRecord.Directive;
import dev.mailgate.filters.spf.SpfRecord.Mechanism;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses a whole SPF record before anything is evaluated, so that a syntax error anywhere is a
 * PermError even after a matching mechanism (RFC 7208 §4.6, test "detect-errors-anywhere").
 *
 * <pre>
 * record    = version terms *SP          terms = *( 1*SP ( directive / modifier ) )
 * directive = [ qualifier ] mechanism    modifier = name "=" macro-string
 * name      = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
 * </pre>
 */
final class SpfRecordParser {
    private static final String VERSION = "v=spf1";
    /** Domain-spec followed by an optional dual CIDR length; the lazy group leaves the lengths to the others. */
    private static final Pattern DUAL_CIDR = Pattern.compile("(.*?)(?:/([0-9]+))?(?://([0-9]+))?", Pattern.DOTALL);
    private static final Pattern NETWORK = Pattern.compile("([^/]*)(?:/([0-9]+))?", Pattern.DOTALL);
    private static final int CACHE_SIZE = 2048;
    /** Parsed records by text: a warm check costs no parsing. Cleared when full (records repeat a lot). */
    private static final Map<String, SpfRecord> CACHE = new ConcurrentHashMap<>();

    private SpfRecordParser() {}

    /** True if {@code txt} is an SPF version 1 record: "v=spf1" (any case) then a space or the end (§4.5). */
    static boolean isSpfRecord(String txt) {
        return txt.regionMatches(true, 0, VERSION, 0, VERSION.length())
                && (txt.length() == VERSION.length() || txt.charAt(VERSION.length()) == ' ');
    }

    /** Parses a record that {@link #isSpfRecord} accepted. */
    static SpfRecord parse(String record) throws SpfException {
        SpfRecord cached = CACHE.get(record);
        if (cached != null) return cached;
        SpfRecord parsed = parseUncached(record);
        if (CACHE.size() >= CACHE_SIZE) CACHE.clear();
        CACHE.put(record, parsed);
        return parsed;
    }

    private static SpfRecord parseUncached(String record) throws SpfException {
        for (int i = 0; i < record.length(); i++) {
            if (record.charAt(i) > 0x7e) throw SpfException.permError("SPF records are 7-bit ASCII; this one is not");
        }
        List<Directive> directives = new ArrayList<>();
        MacroString redirect = null;
        MacroString exp = null;
        for (String term : record.substring(VERSION.length()).split(" ")) {
            if (term.isEmpty()) continue; // several spaces, or trailing ones
            int q = "+-~?".indexOf(term.charAt(0)) >= 0 ? 1 : 0;
            int end = nameEnd(term, q);
            String name = term.substring(q, end).toLowerCase(Locale.ROOT);
            if (end < term.length() && term.charAt(end) == '=' && q == 0 && !name.isEmpty()) {
                String value = term.substring(end + 1);
                switch (name) {
                    case "redirect" -> {
                        if (redirect != null) throw SpfException.permError("redirect= appears twice");
                        redirect = domainSpec(value, term);
                    }
                    case "exp" -> {
                        if (exp != null) throw SpfException.permError("exp= appears twice");
                        exp = domainSpec(value, term);
                    }
                    default -> MacroString.parse(value, MacroString.Kind.UNKNOWN_MODIFIER); // checked, then ignored (§6)
                }
                continue;
            }
            if (end < term.length() && term.charAt(end) != ':' && term.charAt(end) != '/') {
                throw SpfException.permError("invalid term '" + term + "'");
            }
            char qualifier = q == 1 ? term.charAt(0) : '+';
            directives.add(new Directive(qualifier, mechanism(name, term.substring(end), term), term));
        }
        return new SpfRecord(List.copyOf(directives), redirect, exp);
    }

    /** The end of the term's name: ALPHA then ALPHA / DIGIT / "-" / "_" / "." (none if the first is not a letter). */
    private static int nameEnd(String term, int start) {
        if (start >= term.length() || !isAlpha(term.charAt(start))) return start;
        int i = start + 1;
        while (i < term.length()) {
            char c = term.charAt(i);
            if (!(isAlpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.')) break;
            i++;
        }
        return i;
    }

    private static boolean isAlpha(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    }

    /** {@code args} is what follows the name: empty, or starting with ':' or '/'. */
    private static Mechanism mechanism(String name, String args, String term) throws SpfException {
        return switch (name) {
            case "all" -> {
                if (!args.isEmpty()) throw SpfException.permError("'all' takes no argument: '" + term + "'");
                yield new SpfRecord.All();
            }
            case "include" -> new SpfRecord.Include(domainSpec(required(args, term), term));
            case "exists" -> new SpfRecord.Exists(domainSpec(required(args, term), term));
            case "ptr" -> {
                if (args.startsWith("/")) throw SpfException.permError("'ptr' takes no CIDR length: '" + term + "'");
                yield new SpfRecord.Ptr(args.isEmpty() ? null : domainSpec(args.substring(1), term));
            }
            case "a", "mx" -> {
                MacroString domain = null;
                String cidrs = args;
                if (args.startsWith(":")) {
                    Matcher m = DUAL_CIDR.matcher(args.substring(1));
                    if (!m.matches()) throw SpfException.permError("invalid term '" + term + "'");
                    domain = domainSpec(m.group(1), term);
                    cidrs = args.substring(1 + m.end(1));
                }
                Matcher c = DUAL_CIDR.matcher(cidrs);
                if (!c.matches() || !c.group(1).isEmpty()) throw SpfException.permError("invalid CIDR length in '" + term + "'");
                int cidr4 = cidr(c.group(2), 32, term);
                int cidr6 = cidr(c.group(3), 128, term);
                yield name.equals("a") ? new SpfRecord.A(domain, cidr4, cidr6) : new SpfRecord.Mx(domain, cidr4, cidr6);
            }
            case "ip4", "ip6" -> {
                Matcher m = NETWORK.matcher(required(args, term));
                if (!m.matches()) throw SpfException.permError("invalid network in '" + term + "'");
                boolean v4 = name.equals("ip4");
                IpAddress network = v4 ? IpAddress.ip4Network(m.group(1)) : IpAddress.ip6Network(m.group(1));
                if (network == null) throw SpfException.permError("invalid " + (v4 ? "IPv4" : "IPv6") + " address in '" + term + "'");
                int prefix = cidr(m.group(2), v4 ? 32 : 128, term);
                yield v4 ? new SpfRecord.Ip4(network, prefix) : new SpfRecord.Ip6(network, prefix);
            }
            default -> throw SpfException.permError("unknown mechanism '" + name + "' in '" + term + "'");
        };
    }

    /** The argument after a mandatory ':'. */
    private static String required(String args, String term) throws SpfException {
        if (!args.startsWith(":")) throw SpfException.permError("'" + term + "' needs ':' and an argument");
        return args.substring(1);
    }

    /** A CIDR length: decimal without leading zeros, at most {@code max}; absent means {@code max}. */
    private static int cidr(String digits, int max, String term) throws SpfException {
        if (digits == null) return max;
        if ((digits.length() > 1 && digits.charAt(0) == '0') || digits.length() > 3 || Integer.parseInt(digits) > max) {
            throw SpfException.permError("invalid CIDR length /" + digits + " in '" + term + "'");
        }
        return Integer.parseInt(digits);
    }

    /** {@code domain-spec = macro-string domain-end}; {@code domain-end = ( "." toplabel [ "." ] ) / macro-expand} (§7.1). */
    private static MacroString domainSpec(String spec, String term) throws SpfException {
        if (spec.isEmpty()) throw SpfException.permError("empty domain-spec in '" + term + "'");
        MacroString m = MacroString.parse(spec, MacroString.Kind.DOMAIN);
        // "%{d}." is accepted too: the grammar allows the final dot only after a toplabel, but the
        // dot is ignored anyway (§7.3) and published records do end a macro with it
        boolean macroThenDot = m.trailingLiteral().equals(".") && MacroString.parse(spec.substring(0, spec.length() - 1), MacroString.Kind.DOMAIN).endsWithMacro();
        if (!m.endsWithMacro() && !DomainNames.isDomainEnd(m.trailingLiteral()) && !macroThenDot) {
            throw SpfException.permError("'" + spec + "' is not a domain-spec (it must end in a macro or a valid top-level label) in '" + term + "'");
        }
        return m;
    }
}
