// SPDX-License-Identifier: Apache-2.0
/**
 * checkDNSBL: DNS block lists for the client address (IPv4 and IPv6 nibble form, RFC 5782),
 * domain lists (RHSBL) for the HELO name and the MAIL FROM domain, and allow lists (DNSWL).
 *
 * <pre>
 * services:
 *   dns: { servers: [127.0.0.1:53], timeout: 2s }   # optional; default the system's resolvers
 * filters:
 *   - dnsbl:
 *       zones:                          # client address, at onConnect; all lists at once
 *         - zen.example.org             # any 127.0.0.0/8 answer is a listing
 *         - "bl.example.net symbol=EXAMPLE_BL 127.0.0.2=EXAMPLE_SPAM 127.0.0.4/30=EXAMPLE_PROXY"
 *         - "multi.example.com &amp;2=MULTI_SPAM &amp;4=MULTI_PHISH"   # bits of the last octet
 *       domains:                        # RHSBL: HELO name (onEhlo), MAIL FROM domain (onMailFrom)
 *         - dbl.example.org             # both; or "dbl.example.org from" / "... helo"
 *       allow:                          # DNSWL
 *         - list.dnswl.example
 *       allowAction: skip               # skip (ignore block lists) | accept (the connection) | continue
 *       txt: true                       # fetch the TXT explanation of a listing
 *       budget: 5s                      # wait at most this per stage (below the filter's timeout)
 *       onError: tempreject             # a list did not answer and none listed the client
 * rules:
 *   onConnect:
 *     - if: DNSBLServer != ""
 *       then: { reject: "554 5.7.1 Service unavailable; client [${remoteSmtpIp}] blocked using ${DNSBLServer}: ${DNSBLExplanation}" }
 * scores: { DNSBL_LISTED: 5, EXAMPLE_PROXY: 3, DNSBL_FROM_LISTED: 4, DNSBL_ALLOWED: -2 }
 * </pre>
 *
 * <p>Variables: {@code DNSBLServer}, {@code DNSBLResult}, {@code DNSBLExplanation} (the first
 * listing block list in policy order), {@code dnsbl.listedBy}, {@code dnsbl.meanings},
 * {@code dnsbl.allowedBy}, {@code dnsbl.heloListedBy}/{@code dnsbl.heloExplanation},
 * {@code dnsbl.fromListedBy}/{@code dnsbl.fromExplanation}.
 *
 * <p>Findings: {@code DNSBL_LISTED}, {@code DNSBL_HELO_LISTED}, {@code DNSBL_FROM_LISTED},
 * {@code DNSBL_ALLOWED}; for each listing also the list's symbol ({@code symbol=}, by default
 * {@code DNSBL_} + the zone, e.g. {@code DNSBL_ZEN_EXAMPLE_ORG}) and the meanings of its return
 * codes; {@code DNSBL_TEMPERROR} (SERVFAIL, or an answer that is an error code such as
 * 127.255.255.254 or outside 127.0.0.0/8) and {@code DNSBL_TIMEOUT}.
 *
 * <p>A list that fails is never "not listed": when no list of the stage listed the subject and
 * one failed, the filter fails and the chain applies its {@code onError}. A listing found by
 * another list still stands. An allow list that fails only loses its favour.
 */
package dev.mailgate.filters.dnsbl;
