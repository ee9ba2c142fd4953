// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metrics of one gateway: labeled families it owns and collectors that read values owned
 * elsewhere, rendered in registration order by {@link #scrape()}. One registry per gateway (not a
 * static one), so that two gateways in one JVM, as in tests, count apart.
 */
public final class Registry {
    private static final Logger LOG = LoggerFactory.getLogger(Registry.class);

    private final List<Collector> collectors = new CopyOnWriteArrayList<>();
    private final Set<String> names = ConcurrentHashMap.newKeySet();

    /** A counter family; {@code name} ends in {@code _total}. */
    public Family.Counters counters(String name, String help, String... labelNames) {
        claim(name);
        var f = new Family.Counters(name, help, List.of(labelNames));
        collectors.add(f);
        return f;
    }

    /** A histogram family with the given bucket bounds in seconds. */
    public Family.Histograms histograms(String name, String help, double[] boundsSeconds, String... labelNames) {
        claim(name);
        var f = new Family.Histograms(name, help, boundsSeconds, List.of(labelNames));
        collectors.add(f);
        return f;
    }

    /** A counter without labels. */
    public Counter counter(String name, String help) {
        return counters(name, help).labels();
    }

    /** A gauge without labels, read when scraped. */
    public void gauge(String name, String help, DoubleSupplier value) {
        claim(name);
        collectors.add(out -> out.family(name, TextWriter.Type.GAUGE, help).sample(value.getAsDouble()));
    }

    /** Adds a collector; the names it writes must not clash with others (a scrape would fail). */
    public void register(Collector c) {
        collectors.add(c);
    }

    private void claim(String name) {
        if (!names.add(name)) throw new IllegalArgumentException("metric " + name + " is already registered");
    }

    /**
     * Every metric in the text format. A collector that throws is left out of this scrape (and
     * logged) rather than failing the whole answer: one broken source must not hide the others.
     */
    public String scrape() {
        TextWriter out = new TextWriter();
        for (Collector c : collectors) {
            TextWriter.Mark m = out.mark();
            try {
                c.collect(out);
            } catch (RuntimeException e) {
                out.rollback(m);
                LOG.warn("a metrics collector failed; its metrics are left out of this scrape: {}", e.toString(), e);
            }
        }
        return out.toString();
    }
}
