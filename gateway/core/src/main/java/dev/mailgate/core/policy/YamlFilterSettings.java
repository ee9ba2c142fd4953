// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.FilterSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/** A filter's settings backed by its YAML mapping, so errors point at the offending value. */
final class YamlFilterSettings implements FilterSettings {
    /** Keys every chain entry has; handled by the loader, not by the filter. */
    static final List<String> COMMON_KEYS = List.of("name", "timeout", "onError", "startEarly");

    private final Yaml yaml;
    private final String name;
    private final Node entryNode;
    private final Map<String, Yaml.Entry> map;

    /** Settings of a section the policy does not have. */
    static YamlFilterSettings empty(String name) {
        return new YamlFilterSettings(null, name, null, Map.of());
    }

    YamlFilterSettings(Yaml yaml, String name, Node entryNode, Map<String, Yaml.Entry> map) {
        this.yaml = yaml;
        this.name = name;
        this.entryNode = entryNode;
        this.map = map;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Set<String> keys() {
        return map.keySet();
    }

    private Optional<Node> node(String key) {
        Yaml.Entry e = map.get(key);
        return e == null ? Optional.empty() : Optional.of(e.value());
    }

    @Override
    public Optional<String> string(String key) {
        return node(key).map(n -> yaml.scalar(n, key));
    }

    @Override
    public long integer(String key, long defaultValue) {
        return node(key).map(n -> yaml.isScalar(n) && yaml.scalar(n, key).matches("\\s*\\d+\\s*[a-zA-Z]+\\s*")
                ? yaml.size(n, key) : yaml.integer(n, key)).orElse(defaultValue);
    }

    @Override
    public boolean bool(String key, boolean defaultValue) {
        return node(key).map(n -> yaml.bool(n, key)).orElse(defaultValue);
    }

    @Override
    public Duration duration(String key, Duration defaultValue) {
        return node(key).map(n -> yaml.duration(n, key)).orElse(defaultValue);
    }

    @Override
    public List<String> strings(String key) {
        return node(key).map(n -> yaml.scalars(n, key)).orElse(List.of());
    }

    @Override
    public void allowOnly(String... keys) {
        if (yaml == null) return;
        List<String> allowed = new ArrayList<>(List.of(keys));
        allowed.addAll(COMMON_KEYS);
        yaml.allowOnly(map, "the settings of filter '" + name + "'", allowed);
    }

    @Override
    public RuntimeException invalid(String key, String message) {
        if (yaml == null) return new PolicyException("(defaults of " + name + ")", 0, 0, key + ": " + message);
        Yaml.Entry e = map.get(key);
        return yaml.error(e == null ? entryNode : e.value(), "filter '" + name + "': " + (e == null ? "" : key + ": ") + message);
    }
}
