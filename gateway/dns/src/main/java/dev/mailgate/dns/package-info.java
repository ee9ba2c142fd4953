// SPDX-License-Identifier: Apache-2.0
/**
 * Asynchronous, cached DNS for the checks. Filters ask for a {@link dev.mailgate.dns.DnsResolver}
 * with {@code services.service(DnsResolver.class)} and get the policy's
 * {@link dev.mailgate.dns.CachingDnsResolver} (configured by {@link dev.mailgate.dns.DnsServiceFactory}
 * under {@code services: { dns: {...} }}). A lookup returns a future
 * {@link dev.mailgate.dns.DnsAnswer}; a timeout or SERVFAIL is a status of its own, never "no such
 * record". {@link dev.mailgate.dns.DnsNames} builds reverse and DNSBL names.
 *
 * <p>Tests use {@link dev.mailgate.dns.testing.ZoneResolver} (answers from zone text, in process)
 * and {@link dev.mailgate.dns.testing.NsdServer} (a real NSD on 127.0.0.1).
 */
package dev.mailgate.dns;
