// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.Modification;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.core.chain.ChainEntry;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A loaded, validated policy: listeners, the filter chain, compiled rules, scores and
 * thresholds. Immutable; a reload builds a new one and swaps it in atomically.
 */
public final class Policy implements AutoCloseable {
    private final String source;
    private final List<ListenerConfig> listeners;
    private final MilterSettings milter;
    private final MessageSettings message;
    private final Networks networks;
    private final List<ChainEntry> chain;
    private final Map<Stage, List<ChainEntry>> chainByStage = new EnumMap<>(Stage.class);
    private final Map<Stage, RuleSet> rules;
    private final Map<String, Double> scores;
    private final Thresholds thresholds;
    private final Map<String, Var<?>> variables;
    private final Set<String> ruleReads;
    private final Map<Stage, Set<String>> ruleReadsByStage = new EnumMap<>(Stage.class);
    private final Set<Class<? extends Modification>> ruleModifications;
    private final Services services;
    private final Map<String, ChainEntry> added;
    /** Per stage: the filters that may block there, from the chain and from executeFilters rules. */
    private final Map<Stage, List<ChainEntry>> blockingByStage = new EnumMap<>(Stage.class);
    private final boolean needsBody;
    /** The longest the early checks of one session can keep a stage waiting: their timeouts added up. */
    private final java.time.Duration earlyBudget;
    private final EventNeeds eventNeeds;

    Policy(String source, List<ListenerConfig> listeners, MilterSettings milter, MessageSettings message, Networks networks,
           List<ChainEntry> chain, Map<Stage, RuleSet> rules, Map<String, Double> scores, Thresholds thresholds,
           Map<String, Var<?>> variables, Set<String> ruleReads, Map<Stage, Set<String>> ruleReadsByStage,
           Set<Class<? extends Modification>> ruleModifications, Services services, Map<String, ChainEntry> added) {
        this.services = services;
        this.added = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(added));
        this.source = source;
        this.listeners = List.copyOf(listeners);
        this.milter = milter;
        this.message = message;
        this.networks = networks;
        this.chain = List.copyOf(chain);
        this.rules = new EnumMap<>(rules);
        this.scores = Map.copyOf(scores);
        this.thresholds = thresholds;
        this.variables = Map.copyOf(variables);
        this.ruleReads = Set.copyOf(ruleReads);
        for (Stage s : Stage.values()) this.ruleReadsByStage.put(s, Set.copyOf(ruleReadsByStage.getOrDefault(s, Set.of())));
        this.ruleModifications = Set.copyOf(ruleModifications);
        for (Stage s : Stage.values()) {
            List<ChainEntry> l = new ArrayList<>();
            for (ChainEntry e : chain) if (e.filter().stages().contains(s)) l.add(e);
            chainByStage.put(s, List.copyOf(l));
        }
        // computed once here: runsInline and stageDeadline are asked on every event
        for (Stage s : Stage.values()) {
            List<ChainEntry> b = new ArrayList<>();
            for (ChainEntry e : chainByStage.get(s)) if (e.filter().blocking()) b.add(e);
            if (executesFilters(s)) {
                for (ChainEntry e : this.added.values()) if (e.filter().blocking() && e.filter().stages().contains(s)) b.add(e);
            }
            blockingByStage.put(s, List.copyOf(b));
        }
        java.time.Duration early = java.time.Duration.ZERO;
        for (ChainEntry e : chain) {
            for (Stage s : e.filter().stages()) {
                if (startsEarly(e, s)) {
                    early = early.plus(e.timeout());
                    break;
                }
            }
        }
        this.earlyBudget = early;
        boolean body = false;
        for (ChainEntry e : chain) body |= e.filter().needsBody();
        for (ChainEntry e : this.added.values()) body |= e.filter().needsBody();
        this.needsBody = body;
        this.eventNeeds = EventNeeds.of(this, this.ruleReads);
    }

    /** Which parts of each message the policy needs to see (the milter front end skips the rest). */
    public EventNeeds eventNeeds() {
        return eventNeeds;
    }

    public String source() { return source; }

    /** The shared services this policy's filters use. */
    public Services services() { return services; }

    /** Closes the filters that hold resources (connection pools) and the services (DNS, stores) of a retired policy. */
    @Override
    public void close() {
        List<ChainEntry> all = new ArrayList<>(chain);
        all.addAll(added.values());
        for (ChainEntry e : all) {
            if (e.filter() instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception ex) {
                    org.slf4j.LoggerFactory.getLogger(Policy.class).warn("filter {} did not close cleanly: {}", e.name(), ex.toString());
                }
            }
        }
        services.close();
    }

    public List<ListenerConfig> listeners() { return listeners; }

    public MilterSettings milter() { return milter; }

    public MessageSettings message() { return message; }

    public Networks networks() { return networks; }

    public List<ChainEntry> chain() { return chain; }

    /** The filters that act at {@code stage}, in chain order. */
    public List<ChainEntry> chain(Stage stage) { return chainByStage.get(stage); }

    public RuleSet rules(Stage stage) { return rules.getOrDefault(stage, RuleSet.EMPTY); }

    /**
     * The filters rules declare with {@code addFilter}, by name: outside the chain, run only by
     * {@code executeFilters} in sessions that added them.
     */
    public Map<String, ChainEntry> addedFilters() { return added; }

    /** True if a rule of {@code stage} runs added filters. */
    private boolean executesFilters(Stage stage) {
        for (Rule r : rules(stage).rules()) {
            for (RuleAction a : r.actions()) if (a instanceof RuleAction.ExecuteFilters) return true;
        }
        return false;
    }

    public double weight(String symbol) { return scores.getOrDefault(symbol, 0.0); }

    public Map<String, Double> scores() { return scores; }

    public Thresholds thresholds() { return thresholds; }

    /** Every variable a rule or filter may use, by name. */
    public Map<String, Var<?>> variables() { return variables; }

    /** True if a filter or rule acts at {@code stage}, i.e. the stage needs an answer. */
    public boolean decides(Stage stage) {
        if (!rules(stage).rules().isEmpty()) return true;
        for (ChainEntry e : chain(stage)) if (e.filter().decidesAt(stage)) return true;
        return stage == Stage.DATA_RECEIVED; // thresholds and edits are applied there
    }

    /** True if no filter at {@code stage} may block, so the stage can run on the event loop. */
    public boolean runsInline(Stage stage) {
        return blockingByStage.get(stage).isEmpty();
    }

    /**
     * How long one event may take in all: every blocking filter's timeout at that stage plus a
     * margin. Past it the session answers tempreject even if a filter ignores interrupts.
     */
    public java.time.Duration stageDeadline(Stage stage) {
        java.time.Duration d = java.time.Duration.ofSeconds(5);
        for (ChainEntry e : blockingByStage.get(stage)) d = d.plus(e.timeout());
        return d;
    }

    /**
     * True if {@code entry}'s callback at {@code stage} is started and left running (see
     * {@link dev.mailgate.api.Filter#startsEarly}). Only blocking filters: the others finish at once.
     */
    public boolean startsEarly(ChainEntry entry, Stage stage) {
        return entry.startEarly() && entry.filter().blocking() && entry.filter().startsEarly(stage);
    }

    /**
     * True if the rules of {@code stage} may observe what a filter providing {@code names} sets:
     * they read one of them, the score or the findings, or they run added filters.
     */
    public boolean rulesRead(Stage stage, Set<String> names) {
        if (executesFilters(stage)) return true;
        Set<String> reads = ruleReadsByStage.get(stage);
        if (reads.isEmpty()) return false;
        if (reads.contains("score") || reads.contains("findings")) return true;
        for (String n : names) if (reads.contains(n)) return true;
        return false;
    }

    /** Added to a stage's deadline while early checks are still running. */
    public java.time.Duration earlyBudget() {
        return earlyBudget;
    }

    /** True if some filter reads the whole body at the end of data. */
    public boolean needsBody() {
        return needsBody;
    }

    /** True if a rule reads a variable that needs every body byte counted. */
    public boolean countsBody() {
        return ruleReads.contains("messageSize") || ruleReads.contains("totalMailSize");
    }

    /** The kinds of message change this policy can ask for (filters, rules and thresholds). */
    public Set<Class<? extends Modification>> modifications() {
        Set<Class<? extends Modification>> all = new HashSet<>(ruleModifications);
        for (ChainEntry e : chain) all.addAll(e.filter().modifications());
        for (ChainEntry e : added.values()) all.addAll(e.filter().modifications());
        if (thresholds.byAction().containsKey("addHeader")) all.add(Modification.AddHeader.class);
        if (thresholds.byAction().containsKey("quarantine")) all.add(Modification.Quarantine.class);
        return all;
    }

    /** The effective chain per event, as {@code gateway check} prints it. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append("policy ").append(source).append('\n');
        for (ListenerConfig l : listeners) sb.append("listen ").append(l.protocol()).append(' ').append(l.address()).append('\n');
        for (Stage s : EnumSet.allOf(Stage.class)) {
            List<ChainEntry> filters = chain(s);
            List<Rule> rs = rules(s).rules();
            if (filters.isEmpty() && rs.isEmpty() && !(s == Stage.DATA_RECEIVED && !thresholds.isEmpty())) continue;
            sb.append(s.eventName()).append(":\n");
            for (ChainEntry e : filters) {
                sb.append("  filter ").append(e.name()).append(" (").append(e.type()).append(", timeout ")
                        .append(e.timeout().toMillis()).append(" ms, onError ").append(e.onError()).append(")\n");
            }
            for (Rule r : rs) {
                sb.append("  rule ").append(r.name()).append(r.condition() == null ? "" : " if " + r.condition()).append(" then ");
                sb.append(String.join("; ", r.actions().stream().map(RuleAction::describe).toList())).append('\n');
            }
            if (s == Stage.DATA_RECEIVED && !thresholds.isEmpty()) sb.append("  thresholds ").append(thresholds.byAction()).append('\n');
        }
        for (ChainEntry e : added.values()) {
            sb.append("addFilter ").append(e.name()).append(" (").append(e.type()).append(", timeout ").append(e.timeout().toMillis())
                    .append(" ms, onError ").append(e.onError()).append(", at ")
                    .append(String.join(" ", e.filter().stages().stream().sorted().map(Stage::eventName).toList())).append(")\n");
        }
        if (!scores.isEmpty()) sb.append("scores ").append(scores).append('\n');
        List<String> unused = new ArrayList<>();
        if (!eventNeeds.connect()) unused.add("CONNECT (client data comes as macros with the next event)");
        if (!eventNeeds.helo()) unused.add("HELO");
        if (!eventNeeds.headers()) unused.add("headers");
        if (!eventNeeds.body()) unused.add("body");
        if (!unused.isEmpty()) sb.append("milter: the MTA is asked not to send ").append(String.join(", ", unused)).append('\n');
        return sb.toString();
    }
}
