// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.ServiceFactory;
import java.time.Duration;
import java.util.List;

/**
 * Builds the {@link KeyValueStore} from the policy's {@code services: { store: {...} }} section:
 *
 * <pre>
 * services:
 *   store:
 *     type: redis                        # memory (default) | redis
 *     uri: redis://127.0.0.1:6379/0      # or redis-sentinel://s1,s2/0#mymaster, redis-cluster://n1:7000,n2:7000
 *     prefix: "mailgate:"                # in front of every key (Redis)
 *     timeout: 250ms                     # per operation
 *     connectTimeout: 1s
 *     fallback: local                    # local: node-local state while Redis is away; fail: the filter's onError
 *     retry: 10s                         # after a failure, Redis is left alone this long
 *     maxEntries: 1000000                # keys kept in memory (the memory store, and the local fallback)
 * </pre>
 *
 * Nothing here touches the network: the Redis connection opens on the first operation.
 */
public final class StoreServiceFactory implements ServiceFactory<KeyValueStore> {
    static final List<String> REDIS_ONLY = List.of("uri", "prefix", "timeout", "connectTimeout", "fallback", "retry");

    @Override
    public String key() {
        return "store";
    }

    @Override
    public Class<KeyValueStore> type() {
        return KeyValueStore.class;
    }

    @Override
    public KeyValueStore create(FilterSettings s, FilterServices services) {
        s.allowOnly("type", "uri", "prefix", "timeout", "connectTimeout", "fallback", "retry", "maxEntries");
        long maxEntries = s.integer("maxEntries", 1_000_000);
        if (maxEntries < 1000) throw s.invalid("maxEntries", "must be at least 1000");
        String type = s.string("type", "memory");
        switch (type) {
            case "memory" -> {
                for (String k : REDIS_ONLY) {
                    if (s.keys().contains(k)) throw s.invalid(k, "'" + k + "' is a setting of type: redis");
                }
                return MemoryStore.open(services.clock(), "memory", maxEntries);
            }
            case "redis" -> {
                return redis(s, services, maxEntries);
            }
            default -> throw s.invalid("type", "unknown store type '" + type + "' (memory, redis)");
        }
    }

    private static KeyValueStore redis(FilterSettings s, FilterServices services, long maxEntries) {
        String uri = s.string("uri").orElseThrow(() -> s.invalid("uri", "type: redis needs a uri (redis://host:6379/0, redis-sentinel://..., redis-cluster://...)"));
        RedisEndpoint endpoint;
        try {
            endpoint = RedisEndpoint.parse(uri);
        } catch (IllegalArgumentException e) {
            throw s.invalid("uri", e.getMessage());
        }
        String prefix = s.string("prefix", "mailgate:");
        Duration timeout = positive(s, "timeout", Duration.ofMillis(250));
        Duration connectTimeout = positive(s, "connectTimeout", Duration.ofSeconds(1));
        Duration retry = positive(s, "retry", Duration.ofSeconds(10));
        String fallback = s.string("fallback", "local");
        if (!fallback.equals("local") && !fallback.equals("fail")) throw s.invalid("fallback", "must be local or fail, not '" + fallback + "'");
        boolean local = fallback.equals("local");
        Availability availability = new Availability("redis store " + endpoint.display(),
                local ? "using node-local state" : "failing the checks that need it (their onError applies)", retry, services.clock());
        // the fallback memory is the process's, per prefix: a reload keeps what was counted during an outage
        MemoryStore memory = MemoryStore.open(services.clock(), "redis-fallback:" + prefix, maxEntries);
        return new RedisStore(new RedisConnector(endpoint, timeout, connectTimeout, retry), prefix, availability, memory, local);
    }

    private static Duration positive(FilterSettings s, String key, Duration def) {
        Duration d = s.duration(key, def);
        if (d.isZero() || d.isNegative()) throw s.invalid(key, "must be longer than 0");
        return d;
    }
}
