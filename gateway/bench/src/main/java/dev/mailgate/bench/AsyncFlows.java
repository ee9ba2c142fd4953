// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import static dev.mailgate.milter.codec.MilterConstants.SMFI_CURR_ACTS;

import dev.mailgate.milter.client.MilterAddress;
import dev.mailgate.milter.client.MilterClient;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The closed-loop, connection-per-message run as {@code concurrency} chains of callbacks on the
 * driver's event loop: connect, negotiate, the message, QUIT, then the next message. The driver
 * shares the cores with the target, and a thread hand-off per step (a virtual thread waiting on
 * each answer) cost it several times the target's CPU per message; chained, it costs about what
 * an MTA's milter client does.
 */
final class AsyncFlows {
    private AsyncFlows() {}

    static void run(LoadOptions o, EventLoopGroup group, MessageScript script, int total, Latencies endToEnd, AtomicLong failures)
            throws InterruptedException {
        MilterAddress target = MilterAddress.parse(o.target());
        MilterClient.Options options = MilterClient.Options.defaults().withGroup(group);
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(o.concurrency());
        for (int w = 0; w < o.concurrency(); w++) {
            group.next().execute(() -> flow(o, target, options, script, total, next, endToEnd, failures, done));
        }
        done.await();
    }

    /** Sends the next message, and when it is answered (or failed), the one after. */
    private static void flow(LoadOptions o, MilterAddress target, MilterClient.Options options, MessageScript script, int total,
                             AtomicInteger next, Latencies endToEnd, AtomicLong failures, CountDownLatch done) {
        int n = next.getAndIncrement();
        if (n >= total) {
            done.countDown();
            return;
        }
        long start = System.nanoTime();
        MilterClient[] client = new MilterClient[1];
        MilterClient.openAsync(target, options)
                .thenCompose(c -> {
                    client[0] = c;
                    return c.negotiate(6, SMFI_CURR_ACTS, MessageScript.offeredProtocol(o));
                })
                .thenCompose(r -> script.connectAndMessageAsync(client[0], n))
                .thenCompose(v -> client[0].quit())
                .whenComplete((v, e) -> {
                    if (e == null) {
                        endToEnd.add(System.nanoTime() - start);
                    } else {
                        if (failures.incrementAndGet() <= 3) System.err.println("message " + n + " failed: " + e);
                        if (client[0] != null) client[0].close();
                    }
                    flow(o, target, options, script, total, next, endToEnd, failures, done);
                });
    }
}
