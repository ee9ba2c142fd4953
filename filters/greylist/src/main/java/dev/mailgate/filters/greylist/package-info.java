// SPDX-License-Identifier: Apache-2.0
/**
 * Greylisting (hMailServer's, postgrey's): the first delivery attempt of a triplet is deferred.
 *
 * <pre>
 * filters:
 *   - greylist:
 *       stage: onRcptTo              # or onDataReceived: once per message, after every rule could exempt it
 *       delay: 5m                    # retries before this are deferred again
 *       retryWindow: 2d              # a retry later than this after the first attempt starts over
 *       passLifetime: 36d            # a passed triplet passes without delay this long (refreshed by use)
 *       autoWhitelist: 5             # a client network that passed this many triplets skips greylisting (0: off)
 *       ipv4Prefix: 24               # the client network of a triplet: /24 ...
 *       ipv6Prefix: 64               # ... and /64
 *       whitelistNetworks: [trusted, 192.0.2.0/24]
 *       whitelistSenderDomains: [example.org]          # and its subdomains
 *       whitelistRecipients: [postmaster@, abuse@example.org, example.net]
 *       skipAuthenticated: true      # authUser set: never greylisted
 *       reply: "451 4.7.1 Greylisted, please try again later"   # default: a text with the seconds to wait
 * rules:
 *   onMailFrom:
 *     - if: SPFResult == "Pass"      # any condition: the policy decides who bypasses
 *       then: { set: { greylist.bypass: true } }
 * </pre>
 *
 * Variables: {@code greylist.status}, {@code greylist.retryIn}, {@code greylist.bypass}. Findings:
 * {@code GREYLIST_DEFERRED}; {@code GREYLIST_TEMPERROR} / {@code GREYLIST_TIMEOUT} when the
 * store fails (and its {@code fallback} is {@code fail}), after which the filter's {@code onError}
 * applies. State: the {@code store} service.
 */
package dev.mailgate.filters.greylist;
