// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.api.FilterSettings;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The {@code spf} filter's settings, validated once when the policy loads.
 *
 * @param helo               also check the HELO identity at onEhlo
 * @param deadline           the longest one check may take; past it the result is TempError
 * @param maxDnsTerms        DNS-querying terms per check (RFC 7208 §4.6.4: 10)
 * @param maxVoidLookups     lookups that find nothing, per check (RFC 7208 §4.6.4: 2)
 * @param headers            the trace headers to add at the end of data
 * @param authservId         the Authentication-Results authserv-id and Received-SPF receiver;
 *                           empty means the MTA's host name ({@code mtaHostname})
 * @param explanation        the explanation of a Fail whose record has no usable exp=
 */
record SpfSettings(boolean helo, Duration deadline, int maxDnsTerms, int maxVoidLookups, Set<String> headers,
                   String authservId, MacroString explanation) {
    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(8);
    static final String DEFAULT_EXPLANATION = "%{o} does not designate %{c} as permitted sender";
    private static final List<String> HEADERS = List.of(SpfHeaders.RECEIVED_SPF, SpfHeaders.AUTHENTICATION_RESULTS);

    static SpfSettings from(FilterSettings s) {
        s.allowOnly("helo", "deadline", "maxDnsTerms", "maxVoidLookups", "headers", "authservId", "explanation");
        Duration deadline = s.duration("deadline", DEFAULT_DEADLINE);
        if (deadline.isZero() || deadline.isNegative()) throw s.invalid("deadline", "must be longer than 0");
        // past the chain's timeout the filter is cut off and gets onError, not a TempError result
        if (s.keys().contains("timeout") && deadline.compareTo(s.duration("timeout", deadline)) >= 0) {
            throw s.invalid("deadline", "must be shorter than the filter's timeout (" + s.duration("timeout", deadline).toMillis()
                    + " ms), so that a slow DNS gives SPFResult TempError instead of the filter's onError");
        }
        long terms = s.integer("maxDnsTerms", 10);
        if (terms < 1 || terms > 10) throw s.invalid("maxDnsTerms", "must be 1 to 10 (RFC 7208 section 4.6.4 allows at most 10)");
        long voids = s.integer("maxVoidLookups", 2);
        if (voids < 0 || voids > 10) throw s.invalid("maxVoidLookups", "must be 0 to 10 (RFC 7208 recommends 2)");
        Set<String> headers = new LinkedHashSet<>(s.keys().contains("headers") ? List.of() : HEADERS);
        for (String h : s.strings("headers")) {
            String known = HEADERS.stream().filter(k -> k.equalsIgnoreCase(h.strip())).findFirst().orElseThrow(() ->
                    s.invalid("headers", "unknown header '" + h + "' (known: " + String.join(", ", HEADERS) + "; [] for none)"));
            headers.add(known);
        }
        String authservId = s.string("authservId", "").strip();
        if (!authservId.isEmpty() && !authservId.matches("[A-Za-z0-9][A-Za-z0-9.-]*")) {
            throw s.invalid("authservId", "must be a host name such as mx.example.org, not '" + authservId + "'");
        }
        String text = s.string("explanation", DEFAULT_EXPLANATION);
        MacroString explanation;
        try {
            explanation = MacroString.explanation(text);
        } catch (IllegalArgumentException e) {
            throw s.invalid("explanation", e.getMessage() + " (a macro-string of RFC 7208 section 7, e.g. " + DEFAULT_EXPLANATION + ")");
        }
        return new SpfSettings(s.bool("helo", false), deadline, (int) terms, (int) voids, java.util.Collections.unmodifiableSet(headers),
                authservId, explanation);
    }
}
