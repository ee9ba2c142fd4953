// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.milter.client.MilterAddress;
import dev.mailgate.milter.client.MilterClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Plays the MTA side against any milter (the gateway, a libmilter reference) and reports
 * messages per second, latency percentiles end to end and per stage, and the target's CPU per
 * message; or holds idle connections and reports memory per connection.
 *
 * <pre>
 * java -jar gateway/bench/target/mailgate-bench.jar --target inet:127.0.0.1:8899 --messages 20000 --concurrency 8 --pid $(pgrep -f mailgate.jar)
 * </pre>
 */
public final class LoadDriver {
    private LoadDriver() {}

    public static void main(String[] args) throws Exception {
        LoadOptions o;
        try {
            o = LoadOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.print(e.getMessage().startsWith("usage") ? e.getMessage() : e.getMessage() + "\n" + LoadOptions.USAGE);
            System.exit(2);
            return;
        }
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        try {
            if (o.soak() > 0) Soak.run(o, group);
            else if (o.idle() > 0) IdleConnections.run(o, group);
            else run(o, group);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    static MilterClient open(LoadOptions o, EventLoopGroup group) throws Exception {
        MilterClient c = MilterClient.open(MilterAddress.parse(o.target()), MilterClient.Options.defaults().withGroup(group));
        c.negotiate(6, SMFI_CURR_ACTS, MessageScript.offeredProtocol(o)).get(30, TimeUnit.SECONDS);
        return c;
    }

    private static void run(LoadOptions o, EventLoopGroup group) throws Exception {
        System.out.printf("target %s: %d messages (+%d warm-up), concurrency %d, %s, %d B body, %d headers, %d rcpts, %s, %s%n",
                o.target(), o.messages(), o.warmup(), o.concurrency(), o.rate() > 0 ? o.rate() + " msgs/s open loop" : "closed loop",
                o.size(), o.headers(), o.rcpts(), o.noReply() ? "no-reply flags offered" : "full replies",
                o.reuse() ? "connection reused" : "one connection per message");
        phase(o, group, o.warmup(), false);
        phase(o, group, o.messages(), true);
    }

    /** What one phase sent: messages answered and messages that failed. */
    record Sent(long messages, long failures) {}

    static Sent phase(LoadOptions o, EventLoopGroup group, int total, boolean report) throws Exception {
        if (total == 0) return new Sent(0, 0);
        MessageScript script = new MessageScript(o);
        Latencies endToEnd = new Latencies();
        AtomicLong failures = new AtomicLong();
        long startNanos = System.nanoTime();
        long intervalNanos = o.rate() > 0 ? 1_000_000_000L / o.rate() : 0;
        ProcessStats before = o.pid() > 0 ? ProcessStats.of(o.pid()) : null;
        if (o.rate() == 0 && !o.reuse()) {
            AsyncFlows.run(o, group, script, total, endToEnd, failures);
        } else {
            threaded(o, group, script, total, endToEnd, failures, startNanos, intervalNanos);
        }
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        if (!report) return new Sent(endToEnd.count(), failures.get());
        System.out.printf("%d messages in %.2f s: %.0f msgs/s, %d failed%n", endToEnd.count(), seconds, endToEnd.count() / seconds, failures.get());
        System.out.println("end to end: " + endToEnd.summary());
        for (Map.Entry<MessageScript.StageName, Latencies> e : script.perStage().entrySet()) {
            if (e.getValue().count() > 0) System.out.printf("  %-8s %s%n", e.getKey(), e.getValue().summary());
        }
        if (before != null) {
            ProcessStats after = ProcessStats.of(o.pid());
            double cpu = after.cpuSecondsSince(before);
            System.out.printf("target CPU: %.2f s for %d messages = %.3f ms per message (resolution %d ms)%n",
                    cpu, endToEnd.count(), cpu * 1000 / Math.max(1, endToEnd.count()), 1000 / ProcessStats.CLOCK_TICKS);
        }
        return new Sent(endToEnd.count(), failures.get());
    }

    /** Open loop (a rate) or reused connections: a virtual thread per in-flight message, blocking per step. */
    private static void threaded(LoadOptions o, EventLoopGroup group, MessageScript script, int total, Latencies endToEnd,
                                 AtomicLong failures, long startNanos, long intervalNanos) throws InterruptedException {
        AtomicInteger next = new AtomicInteger();
        Semaphore inFlight = new Semaphore(o.concurrency());
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < o.concurrency(); w++) {
            workers.add(Thread.startVirtualThread(() -> {
                MilterClient reused = null;
                int n;
                while ((n = next.getAndIncrement()) < total) {
                    // open loop: latency counts from when the message was due (no coordinated omission)
                    long due = intervalNanos > 0 ? startNanos + n * intervalNanos : System.nanoTime();
                    long wait = due - System.nanoTime();
                    if (wait > 0) sleepNanos(wait);
                    try {
                        inFlight.acquireUninterruptibly();
                        MilterClient c = reused;
                        if (c == null) {
                            c = open(o, group);
                            script.connect(c, n);
                        }
                        script.message(c, n);
                        if (o.reuse()) reused = c;
                        else {
                            c.quit();
                            c.close();
                        }
                        endToEnd.add(System.nanoTime() - due);
                    } catch (Exception e) {
                        if (failures.incrementAndGet() <= 3) System.err.println("message " + n + " failed: " + e);
                        reused = null;
                    } finally {
                        inFlight.release();
                    }
                }
                if (reused != null) {
                    reused.quit();
                    reused.close();
                }
            }));
        }
        for (Thread t : workers) t.join();
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
