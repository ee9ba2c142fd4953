// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.composer.Composer;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.parser.ParserImpl;
import org.snakeyaml.engine.v2.scanner.StreamReader;

/**
 * Reads a YAML document as a node tree that remembers positions, so every error can name the
 * file, line and column. Typed accessors refuse wrong shapes with a message that says what was
 * expected.
 */
public final class Yaml {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(|b|k|kb|kib|m|mb|mib|g|gb|gib)", Pattern.CASE_INSENSITIVE);

    private final String file;

    private Yaml(String file) {
        this.file = file;
    }

    /** Parses {@code text}; a syntax error becomes a {@link PolicyException} at the problem's position. */
    public static Root parse(String file, String text) {
        Yaml yaml = new Yaml(file);
        LoadSettings settings = LoadSettings.builder().setLabel(file).setMaxAliasesForCollections(10).build();
        try {
            Composer composer = new Composer(settings, new ParserImpl(settings, new StreamReader(settings, text)));
            Optional<Node> node = composer.getSingleNode();
            return new Root(yaml, node.orElse(null));
        } catch (MarkedYamlEngineException e) {
            Mark m = e.getProblemMark().or(e::getContextMark).orElse(null);
            String problem = (e.getContext() == null ? "" : e.getContext() + ": ") + e.getProblem();
            throw new PolicyException(file, m == null ? 0 : m.getLine() + 1, m == null ? 0 : m.getColumn() + 1, "invalid YAML: " + problem);
        } catch (YamlEngineException e) {
            throw new PolicyException(file, 0, 0, "invalid YAML: " + e.getMessage());
        }
    }

    /** The parsed document and the reader that made it. */
    public record Root(Yaml yaml, Node node) {}

    public String file() {
        return file;
    }

    public PolicyException error(Node node, String problem) {
        Optional<Mark> m = node == null ? Optional.empty() : node.getStartMark();
        return new PolicyException(file, m.map(x -> x.getLine() + 1).orElse(0), m.map(x -> x.getColumn() + 1).orElse(0), problem);
    }

    /** A mapping's entries by key, in order; duplicate keys are refused. */
    public Map<String, Entry> mapping(Node node, String what) {
        if (!(node instanceof MappingNode m)) throw error(node, what + " must be a mapping (key: value)");
        Map<String, Entry> out = new LinkedHashMap<>();
        for (NodeTuple t : m.getValue()) {
            String key = scalar(t.getKeyNode(), "a key in " + what);
            if (out.put(key, new Entry(key, t.getKeyNode(), t.getValueNode())) != null) {
                throw error(t.getKeyNode(), "duplicate key '" + key + "' in " + what);
            }
        }
        return out;
    }

    /** Refuses keys outside {@code allowed}, naming the first unknown one and the allowed set. */
    public void allowOnly(Map<String, Entry> map, String what, Collection<String> allowed) {
        for (Entry e : map.values()) {
            if (!allowed.contains(e.key())) {
                throw error(e.keyNode(), "unknown key '" + e.key() + "' in " + what + " (allowed: " + String.join(", ", allowed) + ")");
            }
        }
    }

    public List<Node> sequence(Node node, String what) {
        if (node instanceof SequenceNode s) return s.getValue();
        throw error(node, what + " must be a list");
    }

    /** A list of scalars; a single scalar counts as a list of one. */
    public List<String> scalars(Node node, String what) {
        if (node instanceof ScalarNode) return List.of(scalar(node, what));
        List<String> out = new ArrayList<>();
        for (Node n : sequence(node, what)) out.add(scalar(n, "an item of " + what));
        return out;
    }

    public String scalar(Node node, String what) {
        if (node instanceof ScalarNode s) return s.getValue();
        throw error(node, what + " must be a single value, not a " + (node instanceof MappingNode ? "mapping" : "list"));
    }

    public boolean isScalar(Node node) {
        return node instanceof ScalarNode;
    }

    public boolean isMapping(Node node) {
        return node instanceof MappingNode;
    }

    public long integer(Node node, String what) {
        String s = scalar(node, what).strip();
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            throw error(node, what + " must be a whole number, not '" + s + "'");
        }
    }

    public double number(Node node, String what) {
        String s = scalar(node, what).strip();
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw error(node, what + " must be a number, not '" + s + "'");
        }
    }

    public boolean bool(Node node, String what) {
        String s = scalar(node, what).strip().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw error(node, what + " must be true or false, not '" + s + "'");
        };
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 2d}. */
    public Duration duration(Node node, String what) {
        String s = scalar(node, what).strip().toLowerCase(Locale.ROOT);
        Matcher m = DURATION.matcher(s);
        if (!m.matches()) throw error(node, what + " must be a duration such as 500ms, 30s, 5m, 1h or 2d, not '" + s + "'");
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** A byte size: {@code 65535}, {@code 64KiB}, {@code 50MB} (K/M/G are powers of 1024). */
    public long size(Node node, String what) {
        String s = scalar(node, what).strip();
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) throw error(node, what + " must be a size such as 65535, 64KiB or 50MB, not '" + s + "'");
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2).toLowerCase(Locale.ROOT);
        long mult = unit.startsWith("k") ? 1L << 10 : unit.startsWith("m") ? 1L << 20 : unit.startsWith("g") ? 1L << 30 : 1;
        return Math.multiplyExact(n, mult);
    }

    /** One key of a mapping with its key and value nodes (for error positions). */
    public record Entry(String key, Node keyNode, Node value) {}
}
