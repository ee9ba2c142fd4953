// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import io.lettuce.core.RedisURI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Where Redis is, parsed from the {@code uri} setting without touching the network:
 * {@code redis://[:password@]host[:port][/db]} (or {@code rediss://} for TLS) for one server,
 * {@code redis-sentinel://[:password@]s1[:port][,s2[:port]]/db#master} for a Sentinel-managed
 * master, and {@code redis-cluster://[:password@]n1:port[,n2:port...]} (or
 * {@code rediss-cluster://}) for the seed nodes of a Redis Cluster (Lettuce has no URI scheme for
 * a cluster, so this one is ours).
 *
 * @param uris    one URI (server or Sentinel set) or the cluster's seed nodes
 * @param cluster true for a Redis Cluster
 * @param display the configured text without the password, for log lines
 */
record RedisEndpoint(List<RedisURI> uris, boolean cluster, String display) {

    static RedisEndpoint parse(String text) {
        String t = text.strip();
        int colon = t.indexOf("://");
        if (colon <= 0) throw new IllegalArgumentException("'" + text + "' is not a redis://, redis-sentinel:// or redis-cluster:// URI");
        String scheme = t.substring(0, colon).toLowerCase(Locale.ROOT);
        String rest = t.substring(colon + 3);
        String display = scheme + "://" + rest.substring(rest.indexOf('@') + 1);
        switch (scheme) {
            case "redis", "rediss", "redis-sentinel", "rediss-sentinel" -> {
                return new RedisEndpoint(List.of(RedisURI.create(t)), false, display);
            }
            case "redis-cluster", "rediss-cluster" -> {
                String nodeScheme = scheme.startsWith("rediss") ? "rediss://" : "redis://";
                int at = rest.lastIndexOf('@');
                String credentials = at >= 0 ? rest.substring(0, at + 1) : "";
                String hosts = at >= 0 ? rest.substring(at + 1) : rest;
                int slash = hosts.indexOf('/');
                if (slash >= 0) hosts = hosts.substring(0, slash); // a cluster has only database 0
                List<RedisURI> seeds = new ArrayList<>();
                for (String h : hosts.split(",")) {
                    if (h.isBlank()) throw new IllegalArgumentException("'" + text + "' has an empty seed node");
                    seeds.add(RedisURI.create(nodeScheme + credentials + h.strip()));
                }
                return new RedisEndpoint(List.copyOf(seeds), true, display);
            }
            default -> throw new IllegalArgumentException("unknown scheme '" + scheme
                    + "' (redis, rediss, redis-sentinel, rediss-sentinel, redis-cluster, rediss-cluster)");
        }
    }
}
