// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import static dev.mailgate.state.KeyValueStore.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mailgate.testkit.mta.LocalPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The Redis store against a real redis-server on 127.0.0.1: the common contract, plus what only
 * a remote store has: real expiry, one command per operation, script reloading, and what happens
 * while Redis is down, slow, and back.
 */
class RedisStoreIT extends StoreContract {
    static final AtomicInteger PREFIXES = new AtomicInteger();
    static RedisServer redis;
    @TempDir
    static Path dir;

    final List<KeyValueStore> open = new ArrayList<>();
    final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeAll
    static void startRedis() {
        assumeTrue(RedisServer.isAvailable(), "redis-server is not installed (run .ci/deps/redis.sh)");
        redis = RedisServer.start(dir.resolve("redis"));
    }

    @AfterAll
    static void stopRedis() {
        if (redis != null) redis.stop();
    }

    @AfterEach
    void closeStores() {
        open.forEach(KeyValueStore::close);
        ((Logger) LoggerFactory.getLogger(Availability.class)).detachAppender(logs);
        if (!redis.isRunning()) redis.restart();
        redis.cli("CLIENT", "UNPAUSE");
    }

    @Override
    KeyValueStore store() {
        return store(redis.uri(), true, Duration.ofSeconds(1));
    }

    /** A store with a prefix of its own, so tests never see each other's keys. */
    RedisStore store(String uri, boolean fallBackLocally, Duration timeout) {
        String prefix = "it" + PREFIXES.incrementAndGet() + ":";
        RedisStore s = new RedisStore(new RedisConnector(RedisEndpoint.parse(uri), timeout, Duration.ofSeconds(1), Duration.ofSeconds(1)), prefix,
                new Availability("redis store " + uri, "test", Duration.ofSeconds(10), clock),
                MemoryStore.open(clock, "fallback-" + prefix, 10_000), fallBackLocally);
        open.add(s);
        return s;
    }

    String prefixOf(RedisStore s) throws Exception {
        var f = RedisStore.class.getDeclaredField("prefix");
        f.setAccessible(true);
        return (String) f.get(s);
    }

    void captureLogs() {
        Logger l = (Logger) LoggerFactory.getLogger(Availability.class);
        logs.start();
        l.addAppender(logs);
        l.setLevel(Level.INFO);
    }

    List<String> logLines() {
        return logs.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    @Test
    void valuesLandInRedisUnderThePrefixAndExpireThere() throws Exception {
        RedisStore s = store(redis.uri(), true, Duration.ofSeconds(1));
        await(s.put("k", "v", Duration.ofMillis(400)));
        assertThat(redis.cli("GET", prefixOf(s) + "k")).isEqualTo("v");
        long ttl = Long.parseLong(redis.cli("PTTL", prefixOf(s) + "k"));
        assertThat(ttl).isBetween(1L, 400L);
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (await(s.get("k")).isPresent() && System.nanoTime() < deadline) Thread.sleep(50);
        assertThat(await(s.get("k"))).as("Redis expired it").isEmpty();
    }

    @Test
    void eachOperationIsOneCommandOnTheServer() throws Exception {
        RedisStore s = store(redis.uri(), true, Duration.ofSeconds(1));
        // the scripts are known from here on
        await(s.putIfAbsent("warm", "x", Duration.ofMinutes(1)));
        await(s.countInWindow("warm-w", 1, 100, Duration.ofMinutes(1)));
        await(s.increment("warm-c", 1, Duration.ofMinutes(1)));
        redis.cli("CONFIG", "RESETSTAT");
        for (int i = 0; i < 10; i++) {
            await(s.putIfAbsent("p" + i, "x", Duration.ofMinutes(1)));
            await(s.countInWindow("w", 1, 100, Duration.ofMinutes(1)));
            await(s.increment("c", 1, Duration.ofMinutes(1)));
        }
        String stats = redis.cli("INFO", "commandstats");
        // (the commands a script runs inside Redis are listed too, but cost no round trip)
        assertThat(stats).contains("cmdstat_evalsha:calls=30,").doesNotContain("cmdstat_eval:");
    }

    @Test
    void scriptsAreSentAgainWhenRedisForgotThem() {
        RedisStore s = store(redis.uri(), true, Duration.ofSeconds(1));
        assertThat(await(s.increment("c", 1, Duration.ofMinutes(1)))).isEqualTo(1);
        redis.cli("SCRIPT", "FLUSH"); // what a restart or failover does
        assertThat(await(s.increment("c", 1, Duration.ofMinutes(1)))).isEqualTo(2);
        assertThat(s.health().failures()).isZero();
    }

    @Test
    void creatingAStoreNeverConnects() {
        int nobody = LocalPorts.freePort();
        RedisStore s = store("redis://127.0.0.1:" + nobody + "/0", true, Duration.ofMillis(200));
        assertThat(s.health().failures()).isZero();
        // the first operation tries, fails, and is answered locally
        assertThat(await(s.increment("c", 1, Duration.ofMinutes(1)))).isEqualTo(1);
        assertThat(s.health()).isEqualTo(new StoreHealth("redis", false, 1, 1));
    }

    @Test
    void redisDownFallsBackToLocalStateWithOneLogLineAndResumesWhenBack() throws Exception {
        captureLogs();
        RedisStore s = store(redis.uri(), true, Duration.ofMillis(500));
        await(s.put("shared", "before", Duration.ofHours(1)));
        redis.stop();

        for (int i = 0; i < 50; i++) assertThat(await(s.increment("n", 1, Duration.ofHours(1)))).isEqualTo(i + 1);
        assertThat(await(s.get("shared"))).as("Redis's data is not visible locally").isEmpty();
        StoreHealth down = s.health();
        assertThat(down.shared()).isFalse();
        assertThat(down.failures()).as("after the first failure Redis is left alone").isEqualTo(1);
        assertThat(down.fallbacks()).isEqualTo(51);
        assertThat(logLines()).hasSize(1);
        assertThat(logLines().get(0)).startsWith("WARN redis store redis://127.0.0.1:").contains("unavailable");

        redis.restart(); // empty: no persistence in the test server
        await(s.put("shared", "after", Duration.ofHours(1)));
        assertThat(s.health().fallbacks()).as("still within the retry interval: local").isEqualTo(52);
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
            advance(Duration.ofSeconds(11)); // the retry interval passes (by the injected clock)
            await(s.put("shared", "after", Duration.ofHours(1)));
            if (s.health().shared()) break;
            Thread.sleep(100); // Lettuce reconnects in the background
        } while (System.nanoTime() < deadline);
        assertThat(s.health().shared()).isTrue();
        assertThat(redis.cli("GET", prefixOf(s) + "shared")).isEqualTo("after");
        assertThat(logLines()).last().asString().startsWith("INFO redis store").contains("is back").contains("shared state resumes");
        assertThat(logLines().stream().filter(l -> l.startsWith("WARN"))).hasSize(1);
    }

    @Test
    void withFallbackFailTheFilterGetsAnErrorNotAnAnswer() {
        RedisStore s = store(redis.uri(), false, Duration.ofMillis(500));
        await(s.put("k", "v", Duration.ofHours(1)));
        redis.stop();
        assertThatThrownBy(() -> await(s.get("k"))).isInstanceOf(StoreUnavailableException.class)
                .satisfies(e -> assertThat(((StoreUnavailableException) e).isTimeout()).isFalse());
        // within the retry interval the error comes at once, without asking Redis again
        assertThatThrownBy(() -> await(s.get("k"))).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("waiting to retry");
        assertThat(s.health().failures()).isEqualTo(1);
        assertThat(s.health().fallbacks()).isZero();
    }

    @Test
    void aSlowRedisIsATimeout() {
        RedisStore s = store(redis.uri(), false, Duration.ofMillis(150));
        await(s.put("k", "v", Duration.ofHours(1)));
        redis.cli("CLIENT", "PAUSE", "3000", "ALL");
        long start = System.nanoTime();
        assertThatThrownBy(() -> await(s.get("k"))).isInstanceOf(StoreUnavailableException.class)
                .satisfies(e -> assertThat(((StoreUnavailableException) e).isTimeout()).isTrue());
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
    }
}
