// SPDX-License-Identifier: Apache-2.0
/**
 * checkReverseDNS (forward-confirmed reverse DNS) and the HELO checks.
 *
 * <pre>
 * filters:
 *   - rdns:
 *       reverse: true       # onConnect: PTR names of the client, and one resolving back to it
 *       helo: true          # onEhlo: syntax, address literal = client, name resolves to the client
 *       maxNames: 10        # PTR names checked
 *       budget: 5s          # lookups of one stage (below the filter's timeout)
 *       onError: continue   # a lookup failed: rdns.reverseResult / rdns.heloResult is "Error"
 * rules:
 *   onEhlo:
 *     - if: rdns.heloResult == "Invalid"
 *       then: { reject: "501 5.5.2 HELO/EHLO needs a fully qualified host name or an address literal" }
 * scores: { RDNS_NONE: 1.5, RDNS_MISMATCH: 1, HELO_MISMATCH: 1, HELO_UNRESOLVABLE: 1.5, HELO_FORGED: 5 }
 * </pre>
 *
 * <p>Variables: {@code rdns.reverseResult} (Pass, Mismatch, None, Error), {@code rdns.name} (the
 * confirmed name, else the first PTR name), {@code rdns.names}, {@code rdns.confirmed};
 * {@code rdns.heloResult} (Pass, Invalid, Mismatch, Unresolvable, Forged, Error) and
 * {@code rdns.heloDetail}. The MTA's {@code remoteSmtpHost} is not changed.
 *
 * <p>Findings: {@code RDNS_NONE}, {@code RDNS_MISMATCH}, {@code HELO_INVALID}, {@code HELO_MISMATCH},
 * {@code HELO_UNRESOLVABLE}, {@code HELO_FORGED} (the client, not on loopback, claims this
 * server's name or address), and {@code RDNS_TEMPERROR} / {@code RDNS_TIMEOUT} /
 * {@code HELO_TEMPERROR} / {@code HELO_TIMEOUT}, after which the filter fails and the chain applies
 * its {@code onError}: a failed lookup is never a pass nor a mismatch.
 */
package dev.mailgate.filters.rdns;
