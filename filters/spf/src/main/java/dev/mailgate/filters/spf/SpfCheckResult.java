// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

/**
 * What one check found.
 *
 * @param result      the check_host() result
 * @param identity    {@code mailfrom} or {@code helo} (RFC 7208 §2.3, §2.4)
 * @param domain      the domain checked (the MAIL FROM domain, or the HELO name)
 * @param sender      the {@code <sender>} checked ({@code postmaster@...} for a null sender or HELO)
 * @param explanation for Fail: the domain's exp= text, or the default explanation; else ""
 * @param mechanism   the directive that matched ({@code -all}, {@code ip4:192.0.2.0/24}), "default"
 *                    if none did, "" for None / errors
 * @param problem     for None, TempError and PermError: what happened; else ""
 * @param timedOut    true if the TempError came from a DNS timeout or the check's deadline
 * @param dnsQueries  lookups sent to the resolver (answered from its cache or not)
 */
record SpfCheckResult(SpfResult result, String identity, String domain, String sender, String explanation,
                      String mechanism, String problem, boolean timedOut, int dnsQueries) {
    static final String MAILFROM = "mailfrom";
    static final String HELO = "helo";
}
