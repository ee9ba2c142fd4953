// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import dev.mailgate.milter.client.MilterClient;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;

/**
 * The second mode: N connections that negotiated and sent CONNECT and HELO, then sit idle (an MTA
 * waiting on a slow client). Reports the target's resident memory per connection and, when the
 * target is a JVM, its heap per connection (through jcmd, after a full GC).
 */
final class IdleConnections {
    private IdleConnections() {}

    static void run(LoadOptions o, EventLoopGroup group) throws Exception {
        if (o.pid() == 0) throw new IllegalArgumentException("--idle needs --pid of the target");
        MessageScript script = new MessageScript(o);
        long heapBefore = Heap.usedKiB(o.pid());
        ProcessStats before = ProcessStats.of(o.pid());
        List<MilterClient> held = new ArrayList<>();
        for (int i = 0; i < o.idle(); i++) {
            MilterClient c = LoadDriver.open(o, group);
            script.connect(c, i);
            held.add(c);
        }
        Thread.sleep(2000);
        long heapAfter = Heap.usedKiB(o.pid());
        ProcessStats after = ProcessStats.of(o.pid());
        System.out.printf("%d idle connections: RSS %+d KiB (%.2f KiB each), heap %+d KiB (%.2f KiB each)%n", held.size(),
                after.rssKiB() - before.rssKiB(), (after.rssKiB() - before.rssKiB()) / (double) held.size(),
                heapAfter - heapBefore, (heapAfter - heapBefore) / (double) held.size());
        for (MilterClient c : held) c.close();
    }

    /** Heap in use after a full GC, from {@code jcmd PID GC.heap_info} (-1 if jcmd is unavailable). */
    static final class Heap {
        static long usedKiB(long pid) throws Exception {
            String jcmd = System.getProperty("java.home") + "/bin/jcmd";
            new ProcessBuilder(jcmd, Long.toString(pid), "GC.run").redirectErrorStream(true).start().waitFor();
            Process p = new ProcessBuilder(jcmd, Long.toString(pid), "GC.heap_info").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            var m = java.util.regex.Pattern.compile("used (\\d+)K").matcher(out);
            return m.find() ? Long.parseLong(m.group(1)) : -1;
        }
    }
}
