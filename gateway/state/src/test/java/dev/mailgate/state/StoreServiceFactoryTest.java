// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.testkit.mta.LocalPorts;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The {@code services: store:} section, through the real policy loader. */
class StoreServiceFactoryTest {
    private static Policy load(String yaml) {
        return new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC(), List.of(new StoreServiceFactory()))
                .parse("store.yaml", yaml);
    }

    @Test
    void noSectionMeansMemory() {
        try (Policy p = load("rules: {}\n")) {
            KeyValueStore s = p.services().service(KeyValueStore.class);
            assertThat(s).isInstanceOf(MemoryStore.class);
            assertThat(s.health().backend()).isEqualTo("memory");
        }
    }

    @Test
    void aRedisStoreLoadsWithNothingListening() {
        int closed = LocalPorts.freePort(); // nobody listens there
        try (Policy p = load("services:\n  store: { type: redis, uri: \"redis://127.0.0.1:" + closed + "/0\", timeout: 100ms }\n")) {
            KeyValueStore s = p.services().service(KeyValueStore.class);
            assertThat(s).isInstanceOf(RedisStore.class);
            assertThat(s.health()).isEqualTo(new StoreHealth("redis", true, 0, 0)); // not even tried yet
        }
    }

    @Test
    void sentinelAndClusterUrisAreUnderstood() {
        try (Policy p = load("services:\n  store: { type: redis, uri: \"redis-sentinel://:secret@127.0.0.1:26379,127.0.0.1:26380/2#mymaster\" }\n")) {
            assertThat(p.services().service(KeyValueStore.class)).isInstanceOf(RedisStore.class);
        }
        RedisEndpoint sentinel = RedisEndpoint.parse("redis-sentinel://:secret@127.0.0.1:26379,127.0.0.1:26380/2#mymaster");
        assertThat(sentinel.cluster()).isFalse();
        assertThat(sentinel.uris().get(0).getSentinels()).hasSize(2);
        assertThat(sentinel.uris().get(0).getSentinelMasterId()).isEqualTo("mymaster");
        assertThat(sentinel.uris().get(0).getDatabase()).isEqualTo(2);
        assertThat(sentinel.display()).doesNotContain("secret");

        RedisEndpoint cluster = RedisEndpoint.parse("redis-cluster://:pw@10.0.0.1:7000,10.0.0.2:7001");
        assertThat(cluster.cluster()).isTrue();
        assertThat(cluster.uris()).extracting(u -> u.getHost() + ":" + u.getPort()).containsExactly("10.0.0.1:7000", "10.0.0.2:7001");
        assertThat(cluster.display()).isEqualTo("redis-cluster://10.0.0.1:7000,10.0.0.2:7001");
    }

    @Test
    void badSettingsAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> load("services:\n  store: { type: mongo }\n"))
                .hasMessageContaining("store.yaml:2:").hasMessageContaining("unknown store type 'mongo'");
        assertThatThrownBy(() -> load("services:\n  store: { type: redis }\n")).hasMessageContaining("needs a uri");
        assertThatThrownBy(() -> load("services:\n  store: { type: redis, uri: \"http://x\" }\n")).hasMessageContaining("unknown scheme 'http'");
        assertThatThrownBy(() -> load("services:\n  store: { type: redis, uri: \"redis://x\", fallback: maybe }\n")).hasMessageContaining("local or fail");
        assertThatThrownBy(() -> load("services:\n  store: { type: redis, uri: \"redis://x\", timeout: 0s }\n")).hasMessageContaining("longer than 0");
        assertThatThrownBy(() -> load("services:\n  store: { uri: \"redis://x\" }\n")).hasMessageContaining("'uri' is a setting of type: redis");
        assertThatThrownBy(() -> load("services:\n  store: { tyep: redis }\n")).hasMessageContaining("unknown key 'tyep'");
    }

    @Test
    void aRetiredPolicyReleasesItsMemory() {
        Policy first = load("rules: {}\n");
        KeyValueStore s = first.services().service(KeyValueStore.class);
        KeyValueStore.await(s.put("k", "v", Duration.ofHours(1)));
        Policy second = load("rules: {}\n"); // a reload: same process, same clock
        KeyValueStore s2 = second.services().service(KeyValueStore.class);
        first.close();
        assertThat(KeyValueStore.await(s2.get("k"))).contains("v");
        second.close();
    }
}
