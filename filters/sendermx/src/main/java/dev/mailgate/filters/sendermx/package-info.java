// SPDX-License-Identifier: Apache-2.0
/**
 * checkSenderMX: whether the MAIL FROM domain can receive mail (RFC 5321 §5.1, RFC 7505).
 *
 * <pre>
 * filters:
 *   - sendermx:
 *       maxHosts: 5         # MX hosts whose addresses are checked (lowest preference first)
 *       budget: 5s          # all lookups of one MAIL FROM (below the filter's timeout)
 *       onError: continue   # a lookup failed: SenderMXCheckResult is "Error"; or tempreject
 * rules:
 *   onMailFrom:
 *     - if: SenderMXCheckResult == "Fail"
 *       then: { reject: "550 5.1.8 sender domain ${mailFromDomain} accepts no mail: ${sendermx.reason}" }
 * scores: { SENDERMX_FAIL: 3, SENDERMX_NULL_MX: 5 }
 * </pre>
 *
 * <p>{@code SenderMXCheckResult}: {@code Pass} (an MX host has an address other than loopback or
 * unspecified; without MX records the domain's own A/AAAA, the implicit MX), {@code Fail} (the
 * domain does not exist, publishes a null MX "0 .", or none of its hosts has a usable address),
 * {@code Neutral} (null sender, address literal), {@code Error} (a lookup failed: never taken for
 * Pass or Fail). Also {@code sendermx.reason} and {@code sendermx.hosts}.
 *
 * <p>Findings: {@code SENDERMX_FAIL}, {@code SENDERMX_NULL_MX}, {@code SENDERMX_TEMPERROR},
 * {@code SENDERMX_TIMEOUT}.
 */
package dev.mailgate.filters.sendermx;
