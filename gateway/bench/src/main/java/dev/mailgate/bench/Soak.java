// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import dev.mailgate.milter.client.MilterClient;
import io.netty.channel.EventLoopGroup;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * The soak: N idle connections held for a long time while messages keep flowing at a fixed rate,
 * with the target's heap (after a full GC) and RSS sampled at intervals. A leak shows as a heap
 * that climbs sample after sample although the number of connections and the rate stay the same;
 * the first sample (after the JIT and the pools warmed up) is the baseline.
 */
final class Soak {
    private Soak() {}

    record Sample(int minute, long messages, long failures, long heapKiB, long rssKiB, int idleOpen) {}

    static void run(LoadOptions o, EventLoopGroup group) throws Exception {
        if (o.pid() == 0) throw new IllegalArgumentException("--soak needs --pid of the target");
        MessageScript script = new MessageScript(o);
        long heapBefore = IdleConnections.Heap.usedKiB(o.pid());
        long rssBefore = ProcessStats.of(o.pid()).rssKiB();
        List<MilterClient> held = new ArrayList<>();
        for (int i = 0; i < o.idle(); i++) {
            MilterClient c = LoadDriver.open(o, group);
            script.connect(c, i);
            held.add(c);
        }
        System.out.printf("soak: %d idle connections held, %d msgs/s for %d min, a sample every %d s; before: heap %d KiB, RSS %d KiB%n",
                held.size(), o.rate(), o.soak(), o.sample(), heapBefore, rssBefore);
        System.out.println("time      minute  messages  failed  heap_KiB  rss_KiB  idle_open");
        List<Sample> samples = new ArrayList<>();
        long messages = 0;
        long failures = 0;
        long start = System.nanoTime();
        long end = start + o.soak() * 60_000_000_000L;
        while (System.nanoTime() < end) {
            long seconds = Math.min(o.sample(), Math.max(1, (end - System.nanoTime()) / 1_000_000_000L));
            LoadDriver.Sent sent = LoadDriver.phase(o, group, (int) (o.rate() * seconds), false);
            messages += sent.messages();
            failures += sent.failures();
            int open = (int) held.stream().filter(MilterClient::isOpen).count();
            Sample s = new Sample((int) ((System.nanoTime() - start) / 60_000_000_000L), messages, failures,
                    IdleConnections.Heap.usedKiB(o.pid()), ProcessStats.of(o.pid()).rssKiB(), open);
            samples.add(s);
            System.out.printf("%s %6d %9d %7d %9d %8d %10d%n", LocalTime.now().truncatedTo(ChronoUnit.SECONDS), s.minute(),
                    s.messages(), s.failures(), s.heapKiB(), s.rssKiB(), s.idleOpen());
        }
        report(samples, held.size());
        for (MilterClient c : held) c.close();
    }

    /** Growth from the first sample to the last, and the largest sample, per idle connection. */
    private static void report(List<Sample> samples, int idle) {
        if (samples.size() < 2) return;
        Sample first = samples.getFirst();
        Sample last = samples.getLast();
        long maxHeap = samples.stream().mapToLong(Sample::heapKiB).max().orElse(0);
        long maxRss = samples.stream().mapToLong(Sample::rssKiB).max().orElse(0);
        System.out.printf("soak result: %d messages, %d failed; heap %d -> %d KiB (%+d KiB, max %d), RSS %d -> %d KiB (%+d KiB, max %d); "
                        + "idle connections still open %d of %d%n",
                last.messages(), last.failures(), first.heapKiB(), last.heapKiB(), last.heapKiB() - first.heapKiB(), maxHeap,
                first.rssKiB(), last.rssKiB(), last.rssKiB() - first.rssKiB(), maxRss, last.idleOpen(), idle);
    }
}
