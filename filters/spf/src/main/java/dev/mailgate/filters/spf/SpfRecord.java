// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import java.util.List;

/**
 * A syntactically valid SPF record (RFC 7208 §4.6): its directives in order and the two
 * modifiers this implementation acts on. Unknown modifiers were checked and dropped.
 *
 * @param directives the mechanisms with their qualifiers, in record order
 * @param redirect   the {@code redirect=} domain-spec, or null
 * @param exp        the {@code exp=} domain-spec, or null
 */
record SpfRecord(List<Directive> directives, MacroString redirect, MacroString exp) {

    /**
     * One directive.
     *
     * @param qualifier {@code +}, {@code -}, {@code ~} or {@code ?} ({@code +} when omitted)
     * @param mechanism what to match
     * @param text      the term as written, for logs and the Received-SPF {@code mechanism=}
     */
    record Directive(char qualifier, Mechanism mechanism, String text) {}

    /** The eight mechanisms of RFC 7208 §5. */
    sealed interface Mechanism {
        /** True for the terms counted against the limit of 10 DNS-querying terms (§4.6.4). */
        default boolean queriesDns() {
            return !(this instanceof All || this instanceof Ip4 || this instanceof Ip6);
        }
    }

    record All() implements Mechanism {}

    record Include(MacroString domain) implements Mechanism {}

    /** {@code a}; {@code domain} null means the current {@code <domain>}. */
    record A(MacroString domain, int cidr4, int cidr6) implements Mechanism {}

    /** {@code mx}; {@code domain} null means the current {@code <domain>}. */
    record Mx(MacroString domain, int cidr4, int cidr6) implements Mechanism {}

    /** {@code ptr}; {@code domain} null means the current {@code <domain>}. */
    record Ptr(MacroString domain) implements Mechanism {}

    record Ip4(IpAddress network, int prefix) implements Mechanism {}

    record Ip6(IpAddress network, int prefix) implements Mechanism {}

    record Exists(MacroString domain) implements Mechanism {}
}
