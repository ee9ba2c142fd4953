// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import java.util.Locale;
import java.util.regex.Pattern;

/** Domain-name rules of RFC 7208: the domain-end grammar, what may be queried, truncation. */
final class DomainNames {
    /** {@code toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )} (§7.1). */
    private static final Pattern TOPLABEL = Pattern.compile("[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9-]*[A-Za-z0-9]");
    private static final int MAX_NAME = 253;
    private static final int MAX_LABEL = 63;

    private DomainNames() {}

    /** True if the literal end of a domain-spec is {@code "." toplabel [ "." ]}. */
    static boolean isDomainEnd(String literal) {
        String s = literal.endsWith(".") ? literal.substring(0, literal.length() - 1) : literal;
        int dot = s.lastIndexOf('.');
        return dot >= 0 && TOPLABEL.matcher(s.substring(dot + 1)).matches();
    }

    /**
     * The name to query for an expanded domain-spec: without its trailing dot and, if longer than
     * 253 characters, with labels removed from the left until it fits (§7.3).
     */
    static String forQuery(String expanded) {
        String s = expanded.endsWith(".") ? expanded.substring(0, expanded.length() - 1) : expanded;
        while (s.length() > MAX_NAME) {
            int dot = s.indexOf('.');
            if (dot < 0) return s; // one huge label: isQueryable refuses it
            s = s.substring(dot + 1);
        }
        return s;
    }

    /** True if a DNS query can be composed for {@code name}: no empty label, labels of at most 63. */
    static boolean isQueryable(String name) {
        if (name.isEmpty() || name.length() > MAX_NAME) return false;
        int start = 0;
        while (true) {
            int dot = name.indexOf('.', start);
            int end = dot < 0 ? name.length() : dot;
            if (end == start || end - start > MAX_LABEL) return false;
            if (dot < 0) return true;
            start = dot + 1;
        }
    }

    /**
     * True if {@code domain} can be the {@code <domain>} of check_host(): a queryable name of two
     * labels or more, not an address literal (§4.3: otherwise the result is "none").
     */
    static boolean isCheckable(String domain) {
        if (!isQueryable(domain) || domain.indexOf('.') < 0) return false;
        for (int i = 0; i < domain.length(); i++) {
            char c = domain.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '[' || c == ']' || c == '@') return false;
        }
        String tld = domain.substring(domain.lastIndexOf('.') + 1);
        return !tld.chars().allMatch(Character::isDigit);
    }

    /** True if {@code name} is {@code target} or one of its subdomains, ignoring case and a trailing dot. */
    static boolean isWithin(String name, String target) {
        String n = strip(name).toLowerCase(Locale.ROOT);
        String t = strip(target).toLowerCase(Locale.ROOT);
        return n.equals(t) || n.endsWith("." + t);
    }

    /** Without the trailing dot. */
    static String strip(String name) {
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }
}
