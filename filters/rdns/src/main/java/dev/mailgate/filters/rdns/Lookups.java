// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.rdns;

import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.DnsType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Lookups that share one deadline: a lookup still running at the deadline counts as TIMEOUT. */
final class Lookups {
    private final DnsResolver dns;
    private final long deadline;

    Lookups(DnsResolver dns, long deadlineNanos) {
        this.dns = dns;
        this.deadline = deadlineNanos;
    }

    CompletableFuture<DnsAnswer> start(String name, DnsType type) {
        return dns.lookup(name, type);
    }

    /** Waits for all of them (at most until the deadline); each is then done or a TIMEOUT. */
    List<DnsAnswer> await(List<CompletableFuture<DnsAnswer>> futures, List<String> names, DnsType type) throws InterruptedException {
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        if (!all.isDone()) dev.mailgate.api.NoWait.blockedIfAttempting(); // a first try without waiting ends here
        try {
            all.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // whatever is not done by now is a timeout; a resolver future never fails
        }
        return java.util.stream.IntStream.range(0, futures.size())
                .mapToObj(i -> futures.get(i).getNow(new DnsAnswer(names.get(i), type, DnsAnswer.Status.TIMEOUT, List.of(), 0)))
                .toList();
    }

    DnsAnswer await(CompletableFuture<DnsAnswer> future, String name, DnsType type) throws InterruptedException {
        return await(List.of(future), List.of(name), type).get(0);
    }
}
