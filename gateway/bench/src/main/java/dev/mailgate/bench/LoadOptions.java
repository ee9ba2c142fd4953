// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import java.util.HashMap;
import java.util.Map;

/**
 * Command line of the load driver.
 *
 * @param target      milter address ({@code inet:127.0.0.1:8899}, {@code unix:/path})
 * @param messages    messages to send (after {@code warmup} more)
 * @param concurrency connections working at once
 * @param rate        messages per second, open loop (0 = as fast as possible, closed loop)
 * @param size        body bytes per message
 * @param headers     header fields per message
 * @param rcpts       recipients per message
 * @param chunk       body chunk size (at most 65535)
 * @param noReply     offer the no-reply flags (SMFIP_NR_*) as Postfix does; false = full replies only
 * @param reuse       send every message of a worker over one milter connection (Postfix opens one per SMTP session)
 * @param pid         the gateway's process id, for CPU per message (0 = not measured)
 * @param idle        hold this many idle connections and report memory per connection instead
 * @param soak        with {@code idle}: hold them this many minutes while sending {@code rate} msgs/s, sampling memory
 * @param sample      seconds between the soak's memory samples
 */
record LoadOptions(String target, int messages, int warmup, int concurrency, int rate, int size, int headers, int rcpts,
                   int chunk, boolean noReply, boolean reuse, long pid, int idle, int soak, int sample) {

    static final String USAGE = """
            usage: mailgate-bench [--target inet:127.0.0.1:8899] [--messages 20000] [--warmup 2000] [--concurrency 8]
                                  [--rate 0] [--size 4096] [--headers 4] [--rcpts 1] [--chunk 65535]
                                  [--no-reply true|false] [--reuse false] [--pid PID] [--idle N]
                                  [--soak MINUTES --rate R [--sample 60]]
            """;

    static LoadOptions parse(String[] args) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) throw new IllegalArgumentException(USAGE);
            m.put(args[i].substring(2), args[++i]);
        }
        LoadOptions o = new LoadOptions(m.getOrDefault("target", "inet:127.0.0.1:8899"),
                num(m, "messages", 20000), num(m, "warmup", 2000), num(m, "concurrency", 8), num(m, "rate", 0),
                num(m, "size", 4096), num(m, "headers", 4), num(m, "rcpts", 1), num(m, "chunk", 65535),
                Boolean.parseBoolean(m.getOrDefault("no-reply", "true")), Boolean.parseBoolean(m.getOrDefault("reuse", "false")),
                Long.parseLong(m.getOrDefault("pid", "0")), num(m, "idle", 0), num(m, "soak", 0), num(m, "sample", 60));
        if (o.soak > 0 && (o.idle < 1 || o.rate < 1 || o.sample < 1)) {
            throw new IllegalArgumentException("--soak needs --idle N, --rate R and --sample S above 0");
        }
        if (o.chunk < 1 || o.chunk > 65535) throw new IllegalArgumentException("--chunk must be 1..65535");
        return o;
    }

    private static int num(Map<String, String> m, String key, int def) {
        return m.containsKey(key) ? Integer.parseInt(m.get(key)) : def;
    }
}
