// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time and resident memory of another process, from /proc. */
record ProcessStats(long cpuTicks, long rssKiB) {
    /** Linux's USER_HZ: /proc reports CPU time in these ticks (100 on every common build). */
    static final int CLOCK_TICKS = 100;

    static ProcessStats of(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        // the command name is in parentheses and may contain spaces: count fields after the last ')'
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
        long rss = 0;
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
            if (line.startsWith("VmRSS:")) rss = Long.parseLong(line.replaceAll("\\D+", ""));
        }
        return new ProcessStats(ticks, rss);
    }

    double cpuSecondsSince(ProcessStats before) {
        return (cpuTicks - before.cpuTicks) / (double) CLOCK_TICKS;
    }
}
