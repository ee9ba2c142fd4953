// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import static dev.mailgate.state.KeyValueStore.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.testkit.mta.LocalPorts;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store through Sentinel and on a Redis Cluster, each started for real on 127.0.0.1. */
class RedisTopologiesIT {
    @TempDir
    Path dir;

    @BeforeAll
    static void redisInstalled() {
        assumeTrue(RedisServer.isAvailable(), "redis-server is not installed (run .ci/deps/redis.sh)");
    }

    private static RedisStore store(String uri) {
        return store(uri, Clock.systemUTC());
    }

    private static RedisStore store(String uri, InstantSource clock) {
        return new RedisStore(new RedisConnector(RedisEndpoint.parse(uri), Duration.ofSeconds(2), Duration.ofSeconds(2), Duration.ofSeconds(2)), "topo:",
                new Availability("redis store " + uri, "test", Duration.ofSeconds(10), clock),
                MemoryStore.open(clock, "topologies", 10_000), false); // fail, not fall back: every answer must come from Redis
    }

    @Test
    void sentinelNamesTheMaster() {
        try (RedisServer master = RedisServer.start(dir.resolve("master"));
             RedisServer sentinel = RedisServer.sentinel(dir.resolve("sentinel"), master.port());
             RedisStore s = store("redis-sentinel://127.0.0.1:" + sentinel.port() + "/0#mymaster")) {
            assertThat(await(s.putIfAbsent("k", "v", Duration.ofMinutes(1)))).isEmpty();
            assertThat(await(s.increment("n", 3, Duration.ofMinutes(1)))).isEqualTo(3);
            assertThat(master.cli("GET", "topo:k")).as("written to the master Sentinel named").isEqualTo("v");
            assertThat(s.health().failures()).isZero();
        }
    }

    @Test
    void afterAFailoverTheStoreFindsTheNewMasterThroughSentinel() throws Exception {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
        try (RedisServer master = RedisServer.start(dir.resolve("master"));
             RedisServer replica = RedisServer.start(dir.resolve("replica"), "replicaof 127.0.0.1 " + master.port());
             RedisServer sentinel = RedisServer.sentinel(dir.resolve("sentinel"), master.port());
             RedisStore s = store("redis-sentinel://127.0.0.1:" + sentinel.port() + "/0#mymaster", now::get)) {
            await(s.put("k", "before", Duration.ofHours(1)));
            // Sentinel learns about the replica from the master's INFO, which it polls every 10 s
            within(Duration.ofSeconds(30), () -> sentinel.cli("SENTINEL", "REPLICAS", "mymaster").contains(Integer.toString(replica.port()))
                    && replica.cli("GET", "topo:k").equals("before"));
            master.stop();
            within(Duration.ofSeconds(30), () -> sentinel.cli("SENTINEL", "GET-MASTER-ADDR-BY-NAME", "mymaster").contains(Integer.toString(replica.port())));
            within(Duration.ofSeconds(30), () -> {
                now.set(now.get().plusSeconds(11)); // past the store's retry interval
                try {
                    await(s.put("k", "after", Duration.ofHours(1)));
                    return true;
                } catch (StoreUnavailableException e) {
                    return false;
                }
            });
            assertThat(await(s.get("k"))).contains("after");
            assertThat(replica.cli("GET", "topo:k")).as("written to the promoted replica").isEqualTo("after");
        }
    }

    private static void within(Duration limit, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("not within " + limit);
            Thread.sleep(200);
        }
    }

    @Test
    void clusterSpreadsKeysOverItsNodes() {
        List<RedisServer> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(RedisServer.start(dir.resolve("node" + i), "cluster-enabled yes", "cluster-config-file nodes.conf",
                        "cluster-node-timeout 3000", "cluster-port " + LocalPorts.freePort()));
            }
            List<String> create = new ArrayList<>(List.of("/usr/bin/redis-cli", "--cluster", "create"));
            nodes.forEach(n -> create.add("127.0.0.1:" + n.port()));
            create.add("--cluster-yes");
            RedisServer.run(create);
            awaitClusterOk(nodes.get(0));

            String uri = "redis-cluster://127.0.0.1:" + nodes.get(0).port() + ",127.0.0.1:" + nodes.get(1).port();
            try (RedisStore s = store(uri)) {
                for (int i = 0; i < 60; i++) {
                    assertThat(await(s.putIfAbsent("t" + i, "v" + i, Duration.ofMinutes(1)))).isEmpty();
                    assertThat(await(s.countInWindow("w" + i, 1, 5, Duration.ofMinutes(1))).count()).isEqualTo(1);
                }
                for (int i = 0; i < 60; i++) assertThat(await(s.get("t" + i))).isEqualTo(Optional.of("v" + i));
                assertThat(s.health().failures()).isZero();
            }
            for (RedisServer n : nodes) {
                assertThat(Long.parseLong(n.cli("DBSIZE"))).as("every node holds some of the keys").isPositive();
            }
        } finally {
            nodes.forEach(RedisServer::stop);
        }
    }

    private static void awaitClusterOk(RedisServer node) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!node.cli("CLUSTER", "INFO").contains("cluster_state:ok")) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("cluster not ok: " + node.cli("CLUSTER", "INFO"));
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
