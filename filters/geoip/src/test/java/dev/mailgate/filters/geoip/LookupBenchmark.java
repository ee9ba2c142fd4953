// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Measures by hand what the geoip filter costs per connection (not a test: timing belongs on a
 * quiet machine, not in CI). Run from the module directory after {@code install}:
 *
 * <pre>
 * ../../.ci/mvn -q -o dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java -cp target/classes:target/test-classes:$(cat target/cp.txt) dev.mailgate.filters.geoip.LookupBenchmark [database.mmdb [ip ...]]
 * </pre>
 *
 * It times {@link GeoipFilter#place} (parse the IP text, private check, tree walk, record) over
 * 10,000 random public addresses (80 % IPv4; or the addresses given, repeated), then the same
 * behind a map cache, to show whether an IP cache would pay off.
 */
public final class LookupBenchmark {
    private static final int ADDRESSES = 10_000;
    private static final int ROUNDS = 300;

    private LookupBenchmark() {}

    public static void main(String[] args) throws Exception {
        DatabaseLoader.Loaded db = args.length > 0
                ? DatabaseLoader.open(Path.of(args[0]), Optional.empty())
                : DatabaseLoader.openShipped(Path.of(System.getProperty("java.io.tmpdir")), Optional.empty());
        System.out.println("database: " + db.info());
        GeoipFilter filter = new GeoipFilter(db.database(), new CountryRules(List.of(), List.of("XX"), false),
                GeoipFilter.Action.REJECT, "554 5.7.1 no", true);
        List<String> ips = args.length > 1 ? repeat(List.of(args).subList(1, args.length)) : addresses(new Random(42));
        Map<String, GeoipFilter.Placement> cache = new ConcurrentHashMap<>();
        for (int warm = 0; warm < 3; warm++) {
            run("place", ips, ip -> filter.place(ip));
            run("place behind a map cache", ips, ip -> {
                GeoipFilter.Placement p = cache.get(ip);
                if (p == null) cache.put(ip, p = filter.place(ip));
                return p;
            });
        }
    }

    private interface Lookup {
        GeoipFilter.Placement apply(String ip) throws Exception;
    }

    private static void run(String what, List<String> ips, Lookup lookup) throws Exception {
        long found = 0;
        long start = System.nanoTime();
        for (int r = 0; r < ROUNDS; r++) {
            for (String ip : ips) {
                if (lookup.apply(ip).status() == LookupStatus.COUNTRY) found++;
            }
        }
        long n = (long) ROUNDS * ips.size();
        System.out.printf("%-28s %,d lookups, %.3f µs each, %.1f %% with a country%n", what, n,
                (System.nanoTime() - start) / 1000.0 / n, 100.0 * found / n);
    }

    private static List<String> repeat(List<String> given) {
        List<String> l = new ArrayList<>();
        while (l.size() < ADDRESSES) l.addAll(given);
        return l;
    }

    private static List<String> addresses(Random rnd) {
        List<String> l = new ArrayList<>();
        while (l.size() < ADDRESSES) {
            String ip = rnd.nextInt(5) > 0
                    ? (1 + rnd.nextInt(222)) + "." + rnd.nextInt(256) + "." + rnd.nextInt(256) + "." + rnd.nextInt(256)
                    : String.format("2%03x:%x:%x::%x", rnd.nextInt(0x1000), rnd.nextInt(0x10000), rnd.nextInt(0x10000), rnd.nextInt(0x10000));
            if (!NonGlobalAddresses.contains(dev.mailgate.api.IpNetwork.literal(ip))) l.add(ip);
        }
        return l;
    }
}
