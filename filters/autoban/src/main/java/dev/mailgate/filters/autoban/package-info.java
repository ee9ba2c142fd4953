// SPDX-License-Identifier: Apache-2.0
/**
 * Auto-ban (hMailServer's): repeated refused messages from a client ban it for a while, on every
 * node that shares the store.
 *
 * <pre>
 * filters:
 *   - autoban:
 *       strikes: [RATELIMIT_EXCEEDED, NO_SUCH_USER]   # findings that make a message a strike
 *       maxStrikes: 5                # strikes within the window that earn a ban
 *       window: 30m
 *       banFor: 1h
 *       action: tempreject           # a banned client gets 451 4.7.1 (reject: 554 5.7.1)
 *       exempt: [trusted]            # network sets or CIDRs never banned
 *       exemptAuthenticated: true    # strikes of authenticated sessions do not count
 *       ipv4Prefix: 32               # what is banned: the address ...
 *       ipv6Prefix: 64               # ... or the /64
 *       onError: continue            # if the store fails (fallback: fail), let mail through
 * rules:
 *   onRcptTo:
 *     - if: rcptTo == "nobody@example.org"
 *       then: [ { reject: "550 5.1.1 no such user" }, { report: NO_SUCH_USER } ]
 * </pre>
 *
 * Variables: {@code autoban.banned}, {@code autoban.strikes}. Findings: {@code AUTOBAN_BANNED};
 * {@code AUTOBAN_TEMPERROR} / {@code AUTOBAN_TIMEOUT} when the store fails. Store keys:
 * {@code ab:<name>:s:<client>} (strikes) and {@code ab:<name>:b:<client>} (ban; delete it to
 * lift the ban early).
 */
package dev.mailgate.filters.autoban;
