// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench.jmh;

import java.io.IOException;

/**
 * Runs the JMH benchmarks of this package: the same as {@code org.openjdk.jmh.Main} with the
 * given arguments, and with none, every benchmark of {@code dev.mailgate.bench.jmh} once with the
 * short settings of README.md ({@code -f 1 -wi 3 -i 5 -w 1s -r 1s}).
 */
public final class BenchmarkRunner {
    private BenchmarkRunner() {
    }

    public static void main(String[] args) throws IOException {
        String[] a = args.length > 0 ? args
                : new String[] {"-f", "1", "-wi", "3", "-i", "5", "-w", "1s", "-r", "1s", "dev\\.mailgate\\.bench\\.jmh\\..*"};
        org.openjdk.jmh.Main.main(a);
    }
}
