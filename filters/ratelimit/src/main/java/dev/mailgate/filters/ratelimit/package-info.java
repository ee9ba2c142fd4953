// SPDX-License-Identifier: Apache-2.0
/**
 * Rate limits in a sliding window, shared by every node that shares the store.
 *
 * <pre>
 * filters:
 *   - ratelimit:
 *       name: per-client               # one entry per limit; names keep their counters apart
 *       per: [clientIp]                # clientIp, clientNetwork, sender, senderDomain, recipient, authUser
 *       limit: 200                     # units per window, per value of each dimension
 *       window: 1h
 *       count: messages                # messages (at onMailFrom) or recipients (at onRcptTo; needed for per: recipient)
 *       action: tempreject             # 451 4.7.1; reject: 550 5.7.1; continue: count and report only
 *       exempt: [trusted]              # network sets or CIDRs never counted
 *       ipv4Prefix: 24                 # what clientNetwork means
 *       ipv6Prefix: 64
 *   - ratelimit: { name: per-user, per: [authUser], limit: 1000, window: 1d, count: recipients, action: reject }
 * </pre>
 *
 * Variables: {@code ratelimit.clientIp}, {@code ratelimit.clientNetwork}, {@code ratelimit.sender},
 * {@code ratelimit.senderDomain}, {@code ratelimit.recipient}, {@code ratelimit.authUser} (the count
 * in the window; with several entries, the last one that counted that dimension) and
 * {@code ratelimit.exceeded}. Findings: {@code RATELIMIT_EXCEEDED}; {@code RATELIMIT_TEMPERROR} /
 * {@code RATELIMIT_TIMEOUT} when the store fails (and its {@code fallback} is {@code fail}),
 * after which the filter's {@code onError} applies.
 */
package dev.mailgate.filters.ratelimit;
