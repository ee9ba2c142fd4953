// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import java.util.concurrent.CompletableFuture;

/**
 * Asynchronous DNS lookups for filters, cached by TTL. Obtained with
 * {@code services.service(DnsResolver.class)}; configured under {@code services: { dns: {...} }}.
 *
 * <p>The future never completes exceptionally for DNS outcomes: a timeout, SERVFAIL or a network
 * error is a {@link DnsAnswer.Status} of its own, never "not found". It never blocks the caller.
 */
public interface DnsResolver {
    /**
     * Looks up {@code name} (absolute or relative; treated as absolute) for {@code type}.
     */
    CompletableFuture<DnsAnswer> lookup(String name, DnsType type);

    /** This resolver's counters (queries, cache hits, timeouts, per tracked zone). */
    default DnsMetrics metrics() {
        return DnsMetrics.NONE;
    }
}
