// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.greylist;

import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.filters.ratelimit.RateLimitFilterFactory;
import dev.mailgate.state.KeyValueStore;
import io.lettuce.core.RedisClient;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What greylisting plus rate limiting add to a message, measured by hand (not a test):
 *
 * <pre>
 * .ci/mvn -q -o -pl filters/greylist -am install -DskipTests
 * .ci/mvn -q -o -pl filters/greylist dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * $(.ci/jdk.sh)/bin/java -cp filters/greylist/target/test-classes:filters/greylist/target/classes:$(cat /tmp/cp.txt) \
 *     dev.mailgate.filters.greylist.StateCheckBenchmark [redis://127.0.0.1:PORT/0]
 * </pre>
 *
 * Each message is a session through the real pipeline: connect, MAIL FROM (rate limit per client
 * and per sender), RCPT TO (greylisting, the triplet already passed), disconnect. The time of MAIL
 * plus RCPT is compared with the same pipeline without the two filters. 1000 clients rotate, so
 * keys are not all hot. With a Redis URI the same runs against Redis, and the commands it served
 * per message are counted from its INFO commandstats.
 */
public final class StateCheckBenchmark {
    static final int CLIENTS = 1000;
    static final String FILTERS = """
            filters:
              - ratelimit: { per: [clientIp, sender], limit: 1000000000, window: 1h }
              - greylist: { delay: 5m, autoWhitelist: 5 }
            """;

    private StateCheckBenchmark() {}

    public static void main(String[] args) throws Exception {
        run("memory (Caffeine)", "", 300_000, 5, () -> { });
        if (args.length > 0) {
            String store = "services:\n  store: { type: redis, uri: \"" + args[0] + "\", timeout: 1s }\n";
            try (RedisClient admin = RedisClient.create(args[0]); var c = admin.connect()) {
                int messages = 20_000;
                run("redis " + args[0], store, messages, 3, () -> c.sync().configResetstat());
                // the last round only; a script's own calls (HGET, PEXPIRE, ...) are listed too but cost no round trip
                String stats = c.sync().info("commandstats");
                for (String cmd : List.of("evalsha", "eval", "get", "set", "del")) {
                    System.out.printf("  redis %-8s %.2f calls per message%n", cmd, calls(stats, cmd) / (double) messages);
                }
            }
            storeRoundTrips(store, 20_000);
        }
    }

    /** Runs {@code rounds} rounds of {@code messages}; prints the last (warm) round, before which {@code lastRound} runs. */
    static void run(String label, String store, int messages, int rounds, Runnable lastRound) {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
        InstantSource clock = now::get;
        PolicyLoader loader = new PolicyLoader(new FilterRegistry(List.of(new GreylistFilterFactory(), new RateLimitFilterFactory())), clock);
        try (Policy with = loader.parse("with.yaml", store + FILTERS); Policy without = loader.parse("without.yaml", store + "rules: {}\n")) {
            Pipeline checked = new Pipeline(with);
            Pipeline bare = new Pipeline(without);
            // every triplet meets greylisting once, then passes after the delay: the steady state
            for (int i = 0; i < CLIENTS; i++) message(checked, i, false);
            now.set(now.get().plus(Duration.ofMinutes(6)));
            for (int i = 0; i < CLIENTS; i++) message(checked, i, true);
            long[] a = new long[messages];
            long[] b = new long[messages];
            for (int r = 0; r < rounds; r++) {
                if (r == rounds - 1) lastRound.run();
                for (int i = 0; i < messages; i++) a[i] = message(checked, i, true);
                for (int i = 0; i < messages; i++) b[i] = message(bare, i, true);
            }
            Arrays.sort(a);
            Arrays.sort(b);
            System.out.printf("%s, %d messages (last of %d rounds), MAIL+RCPT time per message:%n", label, messages, rounds);
            System.out.printf("  with greylist + ratelimit: mean %7.2f us  p50 %7.2f us  p99 %7.2f us%n", mean(a), p(a, 50), p(a, 99));
            System.out.printf("  without (same pipeline):   mean %7.2f us  p50 %7.2f us  p99 %7.2f us%n", mean(b), p(b, 50), p(b, 99));
            System.out.printf("  added:                     mean %7.2f us  p50 %7.2f us  p99 %7.2f us%n", mean(a) - mean(b), p(a, 50) - p(b, 50), p(a, 99) - p(b, 99));
        }
    }

    /** One store operation at a time from a plain thread: the round trip without the pipeline around it. */
    static void storeRoundTrips(String store, int n) {
        PolicyLoader loader = new PolicyLoader(new FilterRegistry(List.of()), java.time.Clock.systemUTC());
        try (Policy p = loader.parse("store.yaml", store)) {
            KeyValueStore kv = p.services().service(KeyValueStore.class);
            long[] get = new long[n];
            long[] window = new long[n];
            for (int round = 0; round < 2; round++) {
                for (int i = 0; i < n; i++) {
                    long t0 = System.nanoTime();
                    KeyValueStore.await(kv.get("bench:get:" + (i % CLIENTS)));
                    long t1 = System.nanoTime();
                    KeyValueStore.await(kv.countInWindow("bench:w:" + (i % CLIENTS), 1, Long.MAX_VALUE, Duration.ofHours(1)));
                    get[i] = t1 - t0;
                    window[i] = System.nanoTime() - t1;
                }
            }
            Arrays.sort(get);
            Arrays.sort(window);
            System.out.printf("  one GET, awaited:           mean %7.2f us  p50 %7.2f us  p99 %7.2f us%n", mean(get), p(get, 50), p(get, 99));
            System.out.printf("  one window script, awaited: mean %7.2f us  p50 %7.2f us  p99 %7.2f us%n", mean(window), p(window, 50), p(window, 99));
        }
    }

    /** One session; returns the nanoseconds MAIL FROM and RCPT TO took. */
    static long message(Pipeline pipeline, int i, boolean mustPass) {
        Session s = pipeline.open("bench", MacroSource.NONE);
        int client = i % CLIENTS;
        String ip = "10." + (client >> 8) + "." + (client & 0xff) + ".1";
        s.process(new SessionEvent.Connect("[" + ip + "]", ip, 40000, "127.0.0.1", 25));
        long t0 = System.nanoTime();
        s.process(new SessionEvent.MailFrom("<sender" + client + "@example.test>", List.of()));
        var r = s.process(new SessionEvent.RcptTo("<rcpt@example.net>", List.of()));
        long t = System.nanoTime() - t0;
        if (mustPass && r.verdict().isFinal()) throw new IllegalStateException("message " + i + " was refused: " + r);
        s.process(new SessionEvent.Disconnect());
        return t;
    }

    /** The calls of one command in INFO commandstats ({@code cmdstat_get:calls=12,usec=...}). */
    static long calls(String commandstats, String command) {
        String prefix = "cmdstat_" + command + ":calls=";
        return commandstats.lines().filter(l -> l.startsWith(prefix))
                .mapToLong(l -> Long.parseLong(l.substring(prefix.length(), l.indexOf(',')))).findFirst().orElse(0);
    }

    static double mean(long[] v) {
        return Arrays.stream(v).average().orElse(0) / 1000.0;
    }

    static double p(long[] sorted, int percentile) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(percentile / 100.0 * sorted.length) - 1)] / 1000.0;
    }
}
