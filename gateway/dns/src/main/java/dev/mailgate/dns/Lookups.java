// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import dev.mailgate.api.NoWait;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Lookups that share one deadline: a lookup still running at the deadline counts as TIMEOUT. The
 * one place where the checks wait for DNS, so also the place where a first try without waiting
 * ({@link NoWait}) gives up.
 */
public final class Lookups {
    private final DnsResolver dns;
    private final long deadline;

    /** {@code deadlineNanos}: a {@link System#nanoTime()} value. */
    public Lookups(DnsResolver dns, long deadlineNanos) {
        this.dns = dns;
        this.deadline = deadlineNanos;
    }

    public CompletableFuture<DnsAnswer> start(String name, DnsType type) {
        return dns.lookup(name, type);
    }

    /** Waits for all of them (at most until the deadline); each is then done or a TIMEOUT. */
    public List<DnsAnswer> await(List<CompletableFuture<DnsAnswer>> futures, List<String> names, DnsType type) throws InterruptedException {
        awaitAll(futures, deadline);
        return java.util.stream.IntStream.range(0, futures.size())
                .mapToObj(i -> futures.get(i).getNow(new DnsAnswer(names.get(i), type, DnsAnswer.Status.TIMEOUT, List.of(), 0)))
                .toList();
    }

    public DnsAnswer await(CompletableFuture<DnsAnswer> future, String name, DnsType type) throws InterruptedException {
        return await(List.of(future), List.of(name), type).get(0);
    }

    /**
     * Waits until every future is done or {@code deadlineNanos} passed; the caller reads what is
     * done ({@code getNow}) and takes the rest for timeouts. A resolver future never fails.
     */
    public static void awaitAll(List<? extends CompletableFuture<?>> futures, long deadlineNanos) throws InterruptedException {
        if (futures.isEmpty()) return;
        CompletableFuture<Void> all = CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new));
        if (!all.isDone()) NoWait.blockedIfAttempting(); // a first try without waiting ends here
        try {
            all.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException | ExecutionException e) {
            // whatever is not done by now is a timeout
        }
    }
}
