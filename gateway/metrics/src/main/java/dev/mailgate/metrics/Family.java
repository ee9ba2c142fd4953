// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * A metric with labels: one child per combination of label values, created on first use. Look a
 * child up once (when a session, filter or front end is set up) and keep it; {@link #labels} is a
 * map lookup, the child's own recording is the cheap part.
 *
 * @param <T> the child type ({@link Counter} or {@link Histogram})
 */
public abstract sealed class Family<T> implements Collector permits Family.Counters, Family.Histograms {
    private final String name;
    private final String help;
    private final List<String> labelNames;
    private final Supplier<T> create;
    private final Map<List<String>, T> children = new ConcurrentHashMap<>();

    Family(String name, String help, List<String> labelNames, Supplier<T> create) {
        this.name = name;
        this.help = help;
        this.labelNames = List.copyOf(labelNames);
        this.create = create;
    }

    public String name() {
        return name;
    }

    /** The child for these label values (as many as the family has label names). */
    public T labels(String... values) {
        if (values.length != labelNames.size()) {
            throw new IllegalArgumentException(name + " has labels " + labelNames + ", got " + values.length + " values");
        }
        List<String> key = List.of(values); // List.of refuses nulls: a missing label value is a bug
        T existing = children.get(key);
        return existing != null ? existing : children.computeIfAbsent(key, k -> create.get());
    }

    @Override
    public void collect(TextWriter out) {
        out.family(name, type(), help);
        List<Map.Entry<List<String>, T>> sorted = new ArrayList<>(children.entrySet());
        // a stable order scrape after scrape: easier to read and to diff
        sorted.sort((a, b) -> String.join("\u0000", a.getKey()).compareTo(String.join("\u0000", b.getKey())));
        for (var e : sorted) write(out, e.getKey(), e.getValue());
    }

    abstract TextWriter.Type type();

    abstract void write(TextWriter out, List<String> values, T child);

    List<String> labelNames() {
        return labelNames;
    }

    /** Counters by label values. */
    public static final class Counters extends Family<Counter> {
        Counters(String name, String help, List<String> labelNames) {
            super(name, help, labelNames, Counter::new);
        }

        @Override
        TextWriter.Type type() {
            return TextWriter.Type.COUNTER;
        }

        @Override
        void write(TextWriter out, List<String> values, Counter c) {
            out.sample(name(), labelNames(), values, c.value());
        }
    }

    /** Histograms with the same bounds, by label values. */
    public static final class Histograms extends Family<Histogram> {
        Histograms(String name, String help, double[] bounds, List<String> labelNames) {
            super(name, help, labelNames, () -> new Histogram(bounds));
            new Histogram(bounds); // checks the bounds now, not at the first recording
        }

        @Override
        TextWriter.Type type() {
            return TextWriter.Type.HISTOGRAM;
        }

        @Override
        void write(TextWriter out, List<String> values, Histogram h) {
            Histogram.Snapshot s = h.snapshot();
            List<String> names = new ArrayList<>(labelNames());
            names.add("le");
            for (int i = 0; i < s.cumulative().length; i++) {
                List<String> v = new ArrayList<>(values);
                v.add(i < s.bounds().length ? TextWriter.bound(s.bounds()[i]) : "+Inf");
                out.sample(name() + "_bucket", names, v, s.cumulative()[i]);
            }
            out.sample(name() + "_sum", labelNames(), values, s.sumSeconds());
            out.sample(name() + "_count", labelNames(), values, s.count());
        }
    }
}
