// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.FilterServices;
import dev.mailgate.core.chain.ChainEntry;
import dev.mailgate.core.chain.OnError;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Finds the filters that rules declare with the seeds' {@code addFilter} (Axigen's filterName,
 * filterType, filterAddress) before the rules are compiled, so that each such filter is built once
 * when the policy loads (and its variables, e.g. {@code clamav.result}, are known to the
 * conditions). Nothing connects at load: filters open their connections when first used.
 *
 * <pre>
 * addFilter: { filterName: clamav, filterType: clamd, filterAddress: "unix:/run/clamav/clamd.ctl", maxSize: 10MiB, onError: continue }
 * addFilter: clamav        # (or {filterName: clamav}) adds a filter declared by another rule
 * </pre>
 *
 * The keys other than filterName, filterType and filterAddress are the filter's own settings plus
 * the chain's {@code timeout} and {@code onError}; filterAddress becomes the filter's
 * {@code address}.
 */
final class AddedFilters {
    static final String VERB = "addFilter";
    static final List<String> SEED_KEYS = List.of("filterName", "filterType", "filterAddress");

    private AddedFilters() {}

    /** The declared filters by name, in the order the policy declares them. */
    static Map<String, ChainEntry> declare(Yaml y, Node rules, PolicyLoader loader, Duration defaultTimeout,
                                           OnError defaultOnError, FilterServices services, List<ChainEntry> chain) {
        Map<String, ChainEntry> out = new LinkedHashMap<>();
        if (rules == null || !y.isMapping(rules)) return out;
        for (Yaml.Entry event : y.mapping(rules, "rules").values()) {
            if (y.isScalar(event.value())) continue; // the rule parser reports the shape error
            for (Node rule : y.sequence(event.value(), "the rules of " + event.key())) {
                if (!y.isMapping(rule)) continue;
                Yaml.Entry then = y.mapping(rule, "a rule").get("then");
                if (then == null || y.isScalar(then.value())) continue;
                List<Node> maps = y.isMapping(then.value()) ? List.of(then.value()) : y.sequence(then.value(), "then");
                for (Node m : maps) {
                    if (!y.isMapping(m)) continue;
                    Yaml.Entry add = y.mapping(m, "then").get(VERB);
                    if (add != null && y.isMapping(add.value())) declareOne(y, add.value(), loader, defaultTimeout, defaultOnError, services, chain, out);
                }
            }
        }
        return out;
    }

    private static void declareOne(Yaml y, Node node, PolicyLoader loader, Duration defaultTimeout, OnError defaultOnError,
                                   FilterServices services, List<ChainEntry> chain, Map<String, ChainEntry> out) {
        Map<String, Yaml.Entry> m = y.mapping(node, VERB);
        Yaml.Entry nameEntry = m.get("filterName");
        if (nameEntry == null) throw y.error(node, "addFilter needs a filterName");
        String name = y.scalar(nameEntry.value(), "filterName");
        if (m.size() == 1) return; // a reference to a filter declared elsewhere; checked by the rule parser
        Yaml.Entry type = m.get("filterType");
        if (type == null) throw y.error(node, "addFilter declaring '" + name + "' needs a filterType (clamd, spamd, rspamd, milter, command, ...)");
        if (out.containsKey(name)) {
            throw y.error(nameEntry.value(), "filter '" + name + "' is declared by another addFilter already; refer to it with 'addFilter: " + name + "'");
        }
        for (ChainEntry c : chain) {
            if (c.name().equals(name)) throw y.error(nameEntry.value(), "a filter of the chain is called '" + name + "' already; give this one another filterName");
        }
        Map<String, Yaml.Entry> settings = new LinkedHashMap<>();
        for (Yaml.Entry e : m.values()) {
            switch (e.key()) {
                case "filterName", "filterType" -> { }
                case "filterAddress" -> settings.put("address", new Yaml.Entry("address", e.keyNode(), e.value()));
                case "name" -> throw y.error(e.keyNode(), "addFilter names its filter with filterName");
                default -> settings.put(e.key(), e);
            }
        }
        String typeName = y.scalar(type.value(), "filterType");
        out.put(name, loader.entry(y, typeName, type.value(), name, nameEntry.value(), settings, defaultTimeout, defaultOnError, services));
    }
}
