// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.core.chain.ChainEntry;
import dev.mailgate.core.chain.OnError;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Turns a YAML policy into a {@link Policy}, refusing anything doubtful with file, line, column
 * and what is wrong: syntax errors, unknown keys, bad values, unknown filter types, rules that
 * read variables their event cannot have yet, conditions that do not compile.
 */
public final class PolicyLoader {
    static final List<String> TOP_KEYS = List.of("listen", "milter", "message", "defaults", "networks", "filters", "rules", "scores", "actions", "services");

    private final FilterRegistry registry;
    private final InstantSource clock;
    private final Iterable<dev.mailgate.api.ServiceFactory<?>> serviceFactories;

    public PolicyLoader(FilterRegistry registry, InstantSource clock) {
        this(registry, clock, Services.discover());
    }

    public PolicyLoader(FilterRegistry registry, InstantSource clock, Iterable<dev.mailgate.api.ServiceFactory<?>> serviceFactories) {
        this.registry = registry;
        this.clock = clock;
        this.serviceFactories = serviceFactories;
    }

    public Policy load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new PolicyException(file.toString(), 0, 0, "cannot read the policy: " + e);
        }
        return parse(file.toString(), text);
    }

    public Policy parse(String fileName, String text) {
        Yaml.Root root = Yaml.parse(fileName, text);
        Yaml y = root.yaml();
        if (root.node() == null) throw new PolicyException(fileName, 1, 1, "the policy is empty");
        Map<String, Yaml.Entry> top = y.mapping(root.node(), "the policy");
        y.allowOnly(top, "the policy", TOP_KEYS);

        List<ListenerConfig> listeners = top.containsKey("listen") ? SectionParser.listeners(y, top.get("listen").value()) : List.of();
        MilterSettings milter = top.containsKey("milter") ? SectionParser.milter(y, top.get("milter").value()) : MilterSettings.DEFAULTS;
        MessageSettings message = top.containsKey("message") ? SectionParser.message(y, top.get("message").value()) : MessageSettings.DEFAULTS;
        Networks networks = top.containsKey("networks") ? SectionParser.networks(y, top.get("networks").value()) : Networks.EMPTY;
        Duration defaultTimeout = Duration.ofSeconds(10);
        OnError defaultOnError = OnError.TEMPREJECT;
        boolean defaultStartEarly = true;
        if (top.containsKey("defaults")) {
            Map<String, Yaml.Entry> d = y.mapping(top.get("defaults").value(), "defaults");
            y.allowOnly(d, "defaults", List.of("timeout", "onError", "startEarly"));
            if (d.containsKey("startEarly")) defaultStartEarly = y.bool(d.get("startEarly").value(), "startEarly");
            if (d.containsKey("timeout")) defaultTimeout = positive(y, d.get("timeout").value());
            if (d.containsKey("onError")) defaultOnError = SectionParser.onError(y, d.get("onError").value());
        }

        Map<String, YamlFilterSettings> serviceSettings = new LinkedHashMap<>();
        if (top.containsKey("services")) {
            Map<String, Yaml.Entry> sections = y.mapping(top.get("services").value(), "services");
            y.allowOnly(sections, "services", Services.keys(serviceFactories));
            for (Yaml.Entry e : sections.values()) {
                Map<String, Yaml.Entry> m = y.isScalar(e.value()) && y.scalar(e.value(), e.key()).isBlank()
                        ? Map.of() : y.mapping(e.value(), "services." + e.key());
                serviceSettings.put(e.key(), new YamlFilterSettings(y, e.key(), e.keyNode(), m));
            }
        }
        Services services = new Services(clock, message.tempDirectory(), networks, serviceFactories, serviceSettings);
        try {
            services.createConfigured();
        } catch (PolicyException pe) {
            services.close();
            throw pe;
        } catch (RuntimeException re) {
            services.close();
            throw new PolicyException(fileName, 0, 0, "a service cannot start: " + re.getMessage());
        }
        try {
            return build(y, top, fileName, listeners, milter, message, networks, defaultTimeout, defaultOnError, defaultStartEarly, services);
        } catch (RuntimeException e) {
            services.close(); // a policy that does not load must not leave connections behind
            throw e;
        }
    }

    private Policy build(Yaml y, Map<String, Yaml.Entry> top, String fileName, List<ListenerConfig> listeners, MilterSettings milter,
                         MessageSettings message, Networks networks, Duration defaultTimeout, OnError defaultOnError,
                         boolean defaultStartEarly, Services services) {
        Map<String, Var<?>> variables = new LinkedHashMap<>();
        for (Var<?> v : StandardVars.ALL) variables.put(v.name(), v);
        for (Var<?> v : DeliveryVars.ALL) variables.put(v.name(), v);
        List<ChainEntry> chain = new ArrayList<>();
        if (top.containsKey("filters")) {
            for (Node item : y.sequence(top.get("filters").value(), "filters")) {
                ChainEntry entry = filter(y, item, defaultTimeout, defaultOnError, defaultStartEarly, services);
                for (ChainEntry other : chain) {
                    if (other.name().equals(entry.name())) {
                        throw y.error(item, "two filters are called '" + entry.name() + "'; give one a different name:");
                    }
                }
                declareVariables(y, item, entry, variables);
                chain.add(entry);
            }
        }
        Node rulesNode = top.containsKey("rules") ? top.get("rules").value() : null;
        Map<String, ChainEntry> added = AddedFilters.declare(y, rulesNode, this, defaultTimeout, defaultOnError, services, chain);
        for (ChainEntry entry : added.values()) declareVariables(y, rulesNode, entry, variables);
        if (!added.isEmpty()) {
            for (Var<?> v : AddedFilterVars.ALL) variables.put(v.name(), v);
        }

        ConditionCompiler compiler = new ConditionCompiler(variables, networks);
        RuleParser ruleParser = new RuleParser(y, compiler, variables, added);
        Map<Stage, RuleSet> rules = new EnumMap<>(Stage.class);
        if (top.containsKey("rules")) {
            Map<String, Yaml.Entry> byEvent = y.mapping(top.get("rules").value(), "rules");
            for (Yaml.Entry e : byEvent.values()) {
                Stage stage = Stage.byEventName(e.key()).orElseThrow(() -> y.error(e.keyNode(),
                        "unknown event '" + e.key() + "' (events: " + String.join(", ", java.util.Arrays.stream(Stage.values()).map(Stage::eventName).toList()) + ")"));
                rules.put(stage, ruleParser.rules(stage, e.value()));
            }
        }

        Map<String, Double> scores = new HashMap<>();
        if (top.containsKey("scores")) {
            for (Yaml.Entry e : y.mapping(top.get("scores").value(), "scores").values()) {
                if (!e.key().matches("[A-Z][A-Z0-9_]*")) throw y.error(e.keyNode(), "a finding is written in UPPER_SNAKE case, not '" + e.key() + "'");
                scores.put(e.key(), y.number(e.value(), "the score of " + e.key()));
            }
        }
        Thresholds thresholds = Thresholds.NONE;
        if (top.containsKey("actions")) {
            Map<String, Yaml.Entry> a = y.mapping(top.get("actions").value(), "actions");
            y.allowOnly(a, "actions", Thresholds.ACTIONS);
            Map<String, Double> t = new LinkedHashMap<>();
            for (Yaml.Entry e : a.values()) t.put(e.key(), y.number(e.value(), "the threshold of " + e.key()));
            thresholds = new Thresholds(t);
        }
        return new Policy(fileName, listeners, milter, message, networks, chain, rules, scores, thresholds, variables,
                ruleParser.reads(), ruleParser.readsByStage(), ruleParser.modifications(), services, added);
    }

    private static void declareVariables(Yaml y, Node where, ChainEntry entry, Map<String, Var<?>> variables) {
        for (Var<?> v : entry.filter().provides()) {
            Var<?> old = variables.putIfAbsent(v.name(), v);
            if (old != null && old != v) throw y.error(where, "filter '" + entry.name() + "' declares variable '" + v.name() + "', which already exists");
        }
    }

    private ChainEntry filter(Yaml y, Node item, Duration defaultTimeout, OnError defaultOnError, boolean defaultStartEarly,
                              FilterServices services) {
        Map<String, Yaml.Entry> one = y.mapping(item, "a filter entry");
        if (one.size() != 1) throw y.error(item, "a filter entry is one 'type: settings' pair, e.g. '- limits: { maxRcptCount: 100 }'");
        Yaml.Entry e = one.values().iterator().next();
        Map<String, Yaml.Entry> settings = y.isScalar(e.value()) && y.scalar(e.value(), e.key()).isBlank()
                ? Map.of() : y.mapping(e.value(), "the settings of filter '" + e.key() + "'");
        String name = settings.containsKey("name") ? y.scalar(settings.get("name").value(), "name") : e.key();
        Node nameNode = settings.containsKey("name") ? settings.get("name").value() : e.keyNode();
        boolean early = settings.containsKey("startEarly") ? y.bool(settings.get("startEarly").value(), "startEarly") : defaultStartEarly;
        return entry(y, e.key(), e.keyNode(), name, nameNode, settings, defaultTimeout, defaultOnError, services).withStartEarly(early);
    }

    /**
     * Builds one filter with its chain-level settings ({@code timeout}, {@code onError}); used for
     * the {@code filters:} chain and for the filters rules declare with {@code addFilter}.
     */
    ChainEntry entry(Yaml y, String type, Node typeNode, String name, Node nameNode, Map<String, Yaml.Entry> settings,
                     Duration defaultTimeout, OnError defaultOnError, FilterServices services) {
        FilterFactory factory = registry.find(type).orElseThrow(() -> y.error(typeNode,
                "unknown filter type '" + type + "' (available: " + String.join(", ", registry.all().stream().map(FilterFactory::type).toList()) + ")"));
        if (!name.matches("[a-z][a-z0-9-]*")) throw y.error(nameNode, "a filter name is lowercase letters, digits and '-', not '" + name + "'");
        Duration timeout = settings.containsKey("timeout") ? positive(y, settings.get("timeout").value()) : defaultTimeout;
        OnError onError = settings.containsKey("onError") ? SectionParser.onError(y, settings.get("onError").value()) : defaultOnError;
        Filter filter;
        try {
            filter = factory.create(new YamlFilterSettings(y, name, typeNode, settings), services);
        } catch (PolicyException pe) {
            throw pe;
        } catch (RuntimeException re) {
            throw y.error(typeNode, "filter '" + name + "' cannot start: " + re.getMessage());
        }
        return new ChainEntry(name, type, filter, timeout, onError);
    }

    private static Duration positive(Yaml y, Node n) {
        Duration d = y.duration(n, "timeout");
        if (d.isZero()) throw y.error(n, "a timeout must be longer than 0");
        return d;
    }

    static Set<String> names(Map<String, Var<?>> vars) {
        return new HashSet<>(vars.keySet());
    }
}
