// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import dev.mailgate.metrics.Collector;
import dev.mailgate.metrics.TextWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;

/** JVM basics: heap, threads, and when the process started (to see restarts). */
final class JvmCollector implements Collector {
    private final double startSeconds = ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0;

    @Override
    public void collect(TextWriter out) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        out.family("mailgate_jvm_heap_used_bytes", TextWriter.Type.GAUGE, "Heap in use.").sample(heap.getUsed());
        out.family("mailgate_jvm_heap_committed_bytes", TextWriter.Type.GAUGE, "Heap the JVM has reserved from the system.")
                .sample(heap.getCommitted());
        out.family("mailgate_jvm_heap_max_bytes", TextWriter.Type.GAUGE, "The heap's limit (-Xmx), -1 if none.").sample(heap.getMax());
        out.family("mailgate_jvm_threads", TextWriter.Type.GAUGE, "Live platform threads (virtual threads are not counted).")
                .sample(ManagementFactory.getThreadMXBean().getThreadCount());
        out.family("mailgate_process_start_time_seconds", TextWriter.Type.GAUGE, "When the process started, in seconds since the epoch.")
                .sample(startSeconds);
    }
}
