// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The Lua scripts behind the compound operations: Redis runs a script atomically, and one script
 * call is one round trip. Each touches exactly one key (KEYS[1]), so it works on a Redis Cluster
 * too. They are sent by digest (EVALSHA); a server that does not know them yet (new, or restarted)
 * gets the text once (EVAL).
 */
enum RedisScript {
    /** ARGV: value, ttl ms. Returns the existing value, or nil after storing. */
    PUT_IF_ABSENT("""
            local old = redis.call('GET', KEYS[1])
            if old then return old end
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return false
            """),
    /** ARGV: delta, ttl ms. Returns the new value; the TTL is set only when the counter has none. */
    INCREMENT("""
            local v = redis.call('INCRBY', KEYS[1], ARGV[1])
            if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
            return v
            """),
    /**
     * A sliding window in one hash: field = slot number, value = count in that slot. ARGV: current
     * slot, previous slot, weight of the previous slot, cost, limit, ttl ms. Returns
     * {estimate, allowed (1/0)}; the arithmetic is the one of {@link Windows}.
     */
    WINDOW("""
            local cur = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
            local prev = tonumber(redis.call('HGET', KEYS[1], ARGV[2]) or '0')
            local est = math.floor(prev * tonumber(ARGV[3])) + cur
            local cost = tonumber(ARGV[4])
            local allowed = 0
            if est + cost <= tonumber(ARGV[5]) then
              if cost > 0 then redis.call('HINCRBY', KEYS[1], ARGV[1], cost) end
              est = est + cost
              allowed = 1
            end
            if redis.call('HLEN', KEYS[1]) > 2 then
              for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do
                if f ~= ARGV[1] and f ~= ARGV[2] then redis.call('HDEL', KEYS[1], f) end
              end
            end
            redis.call('PEXPIRE', KEYS[1], ARGV[6])
            return {est, allowed}
            """);

    private final String text;
    private final String sha1;

    RedisScript(String text) {
        this.text = text;
        try {
            this.sha1 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required of every JDK", e);
        }
    }

    String text() {
        return text;
    }

    /** The digest Redis knows the script by (SCRIPT LOAD returns the same). */
    String sha1() {
        return sha1;
    }
}
