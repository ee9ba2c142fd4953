// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

import java.math.BigDecimal;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Writes the Prometheus text exposition format, version 0.0.4: per family one {@code # HELP} and
 * one {@code # TYPE} line, then its samples, each family once. Names are checked (a counter's name
 * ends in {@code _total}, a sample belongs to the family just opened), label values and help texts
 * are escaped, so a collector cannot produce text Prometheus would refuse.
 *
 * <p>See https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format.
 */
public final class TextWriter {
    /** The Content-Type of this format. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private static final Pattern METRIC_NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

    /** The metric types of the format that this registry uses. */
    public enum Type {
        COUNTER, GAUGE, HISTOGRAM;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final StringBuilder out = new StringBuilder(4096);
    private final Set<String> families = new HashSet<>();
    private String family;
    private Type type;

    /** Opens a family: its samples follow. A name may be opened once per scrape. */
    public TextWriter family(String name, Type type, String help) {
        if (!METRIC_NAME.matcher(name).matches()) throw new IllegalArgumentException("not a metric name: '" + name + "'");
        if (type == Type.COUNTER && !name.endsWith("_total")) throw new IllegalArgumentException("a counter's name ends in _total: " + name);
        if (!families.add(name)) throw new IllegalStateException("metric family " + name + " written twice");
        family = name;
        this.type = type;
        out.append("# HELP ").append(name).append(' ');
        escapeHelp(help);
        out.append('\n').append("# TYPE ").append(name).append(' ').append(type.word()).append('\n');
        return this;
    }

    /** A sample without labels of the open family. */
    public TextWriter sample(double value) {
        return sample(family, List.of(), List.of(), value);
    }

    /** A sample of the open family with labels given as name, value, name, value... */
    public TextWriter sample(double value, String... labels) {
        if (labels.length % 2 != 0) throw new IllegalArgumentException("labels come in name/value pairs");
        String[] names = new String[labels.length / 2];
        String[] values = new String[labels.length / 2];
        for (int i = 0; i < names.length; i++) {
            names[i] = labels[2 * i];
            values[i] = labels[2 * i + 1];
        }
        return sample(family, List.of(names), List.of(values), value);
    }

    /**
     * A sample named {@code name} (the family's name, or for a histogram that name plus
     * {@code _bucket}, {@code _sum} or {@code _count}).
     */
    public TextWriter sample(String name, List<String> labelNames, List<String> labelValues, double value) {
        if (family == null) throw new IllegalStateException("a sample before any family");
        if (!belongs(name)) throw new IllegalArgumentException("sample " + name + " is not part of family " + family);
        if (labelNames.size() != labelValues.size()) throw new IllegalArgumentException("labels " + labelNames + " vs values " + labelValues);
        out.append(name);
        if (!labelNames.isEmpty()) {
            out.append('{');
            for (int i = 0; i < labelNames.size(); i++) {
                String l = labelNames.get(i);
                if (!LABEL_NAME.matcher(l).matches() || l.startsWith("__")) throw new IllegalArgumentException("not a label name: '" + l + "'");
                if (i > 0) out.append(',');
                out.append(l).append("=\"");
                escapeLabelValue(labelValues.get(i));
                out.append('"');
            }
            out.append('}');
        }
        out.append(' ').append(number(value)).append('\n');
        return this;
    }

    private boolean belongs(String name) {
        if (name.equals(family)) return type != Type.HISTOGRAM;
        return type == Type.HISTOGRAM
                && (name.equals(family + "_bucket") || name.equals(family + "_sum") || name.equals(family + "_count"));
    }

    /** Where the text stands, to undo a collector that failed half way ({@link #rollback}). */
    public Mark mark() {
        return new Mark(out.length(), Set.copyOf(families));
    }

    public void rollback(Mark m) {
        out.setLength(m.length);
        families.retainAll(m.families);
        family = null;
    }

    /** A position in the output. */
    public record Mark(int length, Set<String> families) {}

    @Override
    public String toString() {
        return out.toString();
    }

    /** HELP text: backslash and line feed escaped. */
    private void escapeHelp(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    /** Label values: backslash, double quote and line feed escaped. */
    private void escapeLabelValue(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '"' -> out.append("\\\"");
                case '\n' -> out.append("\\n");
                default -> out.append(c);
            }
        }
    }

    /** Go's ParseFloat reads all of these: integers without a fraction, +Inf, -Inf, NaN. */
    static String number(double v) {
        if (Double.isNaN(v)) return "NaN";
        if (Double.isInfinite(v)) return v > 0 ? "+Inf" : "-Inf";
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        // plain decimals where they stay short (a timestamp, a sum of seconds); exponents beyond
        if (Math.abs(v) >= 1e-6 && Math.abs(v) < 1e15) return BigDecimal.valueOf(v).toPlainString();
        return Double.toString(v);
    }

    /** A bucket bound as a short decimal ({@code 0.005}, not {@code 5.0E-3}). */
    static String bound(double v) {
        if (Double.isInfinite(v)) return "+Inf";
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
