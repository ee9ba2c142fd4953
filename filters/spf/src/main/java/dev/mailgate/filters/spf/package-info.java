// SPDX-License-Identifier: Apache-2.0
/**
 * checkSPF: Sender Policy Framework (RFC 7208) for the MAIL FROM and HELO identities.
 *
 * <pre>
 * services:
 *   dns: { servers: [127.0.0.1:53] }   # the shared resolver (module gateway/dns)
 * filters:
 *   - spf:
 *       helo: true                  # also check the HELO identity at onEhlo (spf.helo.result)
 *       deadline: 8s                # one check at most; then SPFResult TempError (keep it below timeout)
 *       maxDnsTerms: 10             # include/a/mx/ptr/exists/redirect per check (RFC 7208: 10)
 *       maxVoidLookups: 2           # lookups finding nothing per check (RFC 7208: 2)
 *       headers: [Received-SPF, Authentication-Results]   # [] adds none
 *       authservId: mx.example.org  # default: the MTA's host name (mtaHostname)
 *       explanation: "%{o} does not designate %{c} as permitted sender"
 *       timeout: 10s
 * rules:
 *   onMailFrom:
 *     - if: SPFResult == "Fail"
 *       then: { reject: "550 5.7.23 ${spf.explanation}" }
 * scores: { SPF_SOFTFAIL: 2, SPF_PERMERROR: 1 }
 * </pre>
 *
 * Start at {@link dev.mailgate.filters.spf.SpfFilter} (variables and findings). Inside:
 * {@code SpfRecordParser} (record syntax, §4.6), {@code MacroString} (macros, §7),
 * {@code SpfEvaluator} (check_host(), include, redirect, exp=), {@code MechanismMatcher}
 * (a, mx, ptr, exists, ip4, ip6), {@code SpfLookups} (DNS with the deadline and the §4.6.4
 * limits), {@code SpfHeaders} (Received-SPF, Authentication-Results).
 */
package dev.mailgate.filters.spf;
