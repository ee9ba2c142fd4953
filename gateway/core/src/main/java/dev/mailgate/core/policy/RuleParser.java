// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.Modification;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.core.chain.ChainEntry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.snakeyaml.engine.v2.common.ScalarStyle;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.ScalarNode;

/**
 * Parses the rules of one event: {@code - name: x, if: <CEL>, then: <actions>}. {@code then} is
 * a verdict word ({@code accept}), a mapping of actions, or a list of such mappings (to repeat a
 * verb).
 */
final class RuleParser {
    static final List<String> VERDICTS = List.of("continue", "accept", "reject", "tempreject", "discard");
    static final Map<String, Class<? extends Modification>> EDIT_VERBS = Map.ofEntries(
            Map.entry("addHeader", Modification.AddHeader.class),
            Map.entry("addIfNotExistsHeader", Modification.AddHeader.class),
            Map.entry("modifyHeader", Modification.ChangeHeader.class),
            Map.entry("modifyIfExistsHeader", Modification.ChangeHeader.class),
            Map.entry("removeFirstHeader", Modification.ChangeHeader.class),
            Map.entry("removeHeader", Modification.ChangeHeader.class),
            Map.entry("addRcpt", Modification.AddRecipient.class),
            Map.entry("discardRcpt", Modification.RemoveRecipient.class),
            Map.entry("changeFrom", Modification.ChangeSender.class),
            Map.entry("replaceBody", Modification.ReplaceBody.class),
            Map.entry("quarantine", Modification.Quarantine.class));
    private static final Set<String> HEADER_VERBS = Set.of("addHeader", "addIfNotExistsHeader", "modifyHeader", "modifyIfExistsHeader");

    private final Yaml y;
    private final ConditionCompiler compiler;
    private final Map<String, Var<?>> variables;
    private final Set<String> reads = new HashSet<>();
    /** Per event: the names its rules read (conditions, ${...} references) or set. */
    private final Map<Stage, Set<String>> readsByStage = new java.util.EnumMap<>(Stage.class);
    private final Set<Class<? extends Modification>> modifications = new HashSet<>();
    private final Map<String, ChainEntry> added;

    RuleParser(Yaml y, ConditionCompiler compiler, Map<String, Var<?>> variables, Map<String, ChainEntry> added) {
        this.y = y;
        this.compiler = compiler;
        this.variables = variables;
        this.added = added;
    }

    Set<String> reads() { return reads; }

    Map<Stage, Set<String>> readsByStage() { return readsByStage; }

    Set<Class<? extends Modification>> modifications() { return modifications; }

    RuleSet rules(Stage stage, Node node) {
        List<Rule> out = new ArrayList<>();
        int index = 0;
        for (Node item : y.sequence(node, "the rules of " + stage.eventName())) {
            index++;
            Map<String, Yaml.Entry> m = y.mapping(item, "a rule");
            y.allowOnly(m, "a rule", List.of("name", "if", "then"));
            String name = stage.eventName() + "[" + (m.containsKey("name") ? y.scalar(m.get("name").value(), "name") : index) + "]";
            String condition = null;
            ConditionCompiler.Compiled compiled = null;
            if (m.containsKey("if")) {
                Node cond = m.get("if").value();
                condition = y.scalar(cond, "if");
                try {
                    compiled = compiler.compile(stage, condition);
                } catch (ConditionCompiler.CompileError e) {
                    throw positioned(cond, e);
                }
                reads.addAll(compiled.reads());
                readsByStage.computeIfAbsent(stage, k -> new HashSet<>()).addAll(compiled.reads());
            }
            if (!m.containsKey("then")) throw y.error(item, "rule " + name + " has no 'then:'");
            List<RuleAction> actions = actions(stage, name, m.get("then").value());
            out.add(new Rule(name, stage, condition, compiled == null ? null : compiled.program(), actions));
        }
        return new RuleSet(out);
    }

    /** Maps a position inside the expression onto the YAML file. */
    private PolicyException positioned(Node cond, ConditionCompiler.CompileError e) {
        PolicyException base = y.error(cond, "");
        int line = base.line() + Math.max(0, e.line - 1);
        int col = e.line <= 1 ? base.column() + e.column + quoteWidth(cond) : e.column + 1;
        return new PolicyException(base.file(), line, col, "in condition: " + e.getMessage());
    }

    private static int quoteWidth(Node n) {
        if (n instanceof ScalarNode s) {
            ScalarStyle st = s.getScalarStyle();
            if (st == ScalarStyle.DOUBLE_QUOTED || st == ScalarStyle.SINGLE_QUOTED) return 1;
        }
        return 0;
    }

    private List<RuleAction> actions(Stage stage, String ruleName, Node then) {
        List<RuleAction> out = new ArrayList<>();
        if (y.isScalar(then)) {
            out.add(decide(stage, then, y.scalar(then, "then"), null));
            return out;
        }
        List<Node> maps = y.isMapping(then) ? List.of(then) : y.sequence(then, "then");
        for (Node mapNode : maps) {
            Map<String, Yaml.Entry> m = y.mapping(mapNode, "then");
            Node explanation = m.containsKey("smtpExplanation") ? m.get("smtpExplanation").value() : null;
            for (Yaml.Entry e : m.values()) {
                if (e.key().equals("smtpExplanation")) {
                    if (!m.containsKey("smtpAction")) out.add(new RuleAction.SetVar(StandardVars.SMTP_EXPLANATION, template(stage, e.value())));
                    continue;
                }
                out.add(action(stage, ruleName, e, explanation));
            }
        }
        return out;
    }

    private RuleAction action(Stage stage, String ruleName, Yaml.Entry e, Node explanation) {
        String key = e.key();
        Node v = e.value();
        switch (key) {
            case "smtpAction":
                return decide(stage, v, y.scalar(v, "smtpAction"), explanation);
            case "accept", "discard", "continue":
                return decide(stage, e.keyNode(), key, null);
            case "reject", "tempreject": {
                String text = y.scalar(v, key);
                boolean bare = text.isBlank() || text.equals("true");
                return decide(stage, e.keyNode(), key, bare ? null : v);
            }
            case "report":
                for (String s : y.scalars(v, "report")) {
                    if (!s.matches("[A-Z][A-Z0-9_]*")) throw y.error(v, "a finding is written in UPPER_SNAKE case, not '" + s + "'");
                }
                List<String> symbols = y.scalars(v, "report");
                if (symbols.size() == 1) return new RuleAction.Report(symbols.get(0));
                throw y.error(v, "report one finding per rule action");
            case "score":
                return new RuleAction.Score(ruleName, y.number(v, "score"));
            case AddedFilters.VERB:
                return addFilter(stage, e.keyNode(), v);
            case "executeFilters":
                return executeFilters(stage, e.keyNode(), v);
            case "set": {
                Map<String, Yaml.Entry> sets = y.mapping(v, "set");
                if (sets.size() != 1) throw y.error(v, "set one variable per action: 'set: { maxRcptCount: 10 }'");
                Yaml.Entry s = sets.values().iterator().next();
                Var<?> var = variables.get(s.key());
                if (var == null) throw y.error(s.keyNode(), "unknown variable '" + s.key() + "'");
                // a write counts as a read: a check still running must not overwrite it afterwards
                readsByStage.computeIfAbsent(stage, k -> new HashSet<>()).add(var.name());
                return new RuleAction.SetVar(var, template(stage, s.value()));
            }
            default:
                if (EDIT_VERBS.containsKey(key)) return edit(stage, key, v);
                throw y.error(e.keyNode(), "unknown action '" + key + "' (verdicts: " + String.join(", ", VERDICTS)
                        + "; smtpAction, smtpExplanation, set, report, score, addFilter, executeFilters; edits: " + String.join(", ", EDIT_VERBS.keySet().stream().sorted().toList()) + ")");
        }
    }

    /** The SMTP proxy's answers to a downstream refusal: no filter acts there, and nothing can be accepted. */
    private static boolean outbound(Stage s) {
        return s == Stage.DELIVERY_FAILURE || s == Stage.TEMPORARY_DELIVERY_FAILURE;
    }

    private RuleAction addFilter(Stage stage, Node where, Node v) {
        if (stage == Stage.RESET || stage == Stage.DISCONNECT || outbound(stage)) throw y.error(where, "addFilter at " + stage.eventName() + " comes too late to run anything");
        Node nameNode = v;
        if (y.isMapping(v)) {
            Yaml.Entry n = y.mapping(v, AddedFilters.VERB).get("filterName");
            if (n == null) throw y.error(v, "addFilter needs a filterName");
            nameNode = n.value();
        }
        String name = y.scalar(nameNode, "filterName");
        if (!added.containsKey(name)) {
            throw y.error(nameNode, "no addFilter declares a filter called '" + name + "' (declare it with filterName, filterType and filterAddress)");
        }
        return new RuleAction.AddFilter(name);
    }

    private RuleAction executeFilters(Stage stage, Node where, Node v) {
        if (stage == Stage.RESET || stage == Stage.DISCONNECT || outbound(stage)) throw y.error(where, "executeFilters needs an event with a verdict; " + stage.eventName() + " has none");
        boolean decide = true;
        Node patternNode = v;
        if (y.isMapping(v)) {
            Map<String, Yaml.Entry> m = y.mapping(v, "executeFilters");
            y.allowOnly(m, "executeFilters", List.of("filterNamePattern", "decide"));
            if (m.containsKey("decide")) decide = y.bool(m.get("decide").value(), "decide");
            patternNode = m.containsKey("filterNamePattern") ? m.get("filterNamePattern").value() : null;
        }
        String text = patternNode == null ? "" : y.scalar(patternNode, "filterNamePattern");
        if (text.isBlank() || text.equals("true")) return new RuleAction.ExecuteFilters(null, decide); // the filterNamePattern variable
        Template pattern = compile(stage, patternNode, text);
        if (pattern.isConstant()) {
            List<ChainEntry> matched = new ArrayList<>();
            NamePattern np = NamePattern.compile(text);
            for (ChainEntry e : added.values()) if (np.matches(e.name())) matched.add(e);
            if (matched.isEmpty()) throw y.error(patternNode, "no filter declared with addFilter matches '" + text + "' (declared: " + String.join(", ", added.keySet()) + ")");
            if (matched.stream().noneMatch(e -> e.filter().stages().contains(stage))) {
                throw y.error(patternNode, "none of the filters matching '" + text + "' acts at " + stage.eventName());
            }
        }
        return new RuleAction.ExecuteFilters(pattern, decide);
    }

    private RuleAction decide(Stage stage, Node where, String action, Node explanation) {
        if (!VERDICTS.contains(action)) throw y.error(where, "unknown verdict '" + action + "' (" + String.join(", ", VERDICTS) + ")");
        if ((action.equals("accept") || action.equals("discard")) && stage == Stage.RELAY) {
            throw y.error(where, action + " at onRelay decides nothing: onRelay chooses the next hop (set relayHost, relayPort, "
                    + "tryTLS, forceTLS, verifyCert, checkCertName, HELOname); reject/tempreject refuse the client");
        }
        if (action.equals("discard") && (stage == Stage.CONNECT || stage == Stage.EHLO)) {
            throw y.error(where, "discard needs a message; at " + stage.eventName() + " there is none yet (use reject)");
        }
        if ((action.equals("accept") || action.equals("discard")) && outbound(stage)) {
            throw y.error(where, action + " at " + stage.eventName() + " would tell the client 250 for what the downstream refused"
                    + " (use reject/tempreject or smtpExplanation to change the reply text)");
        }
        if ((action.equals("reject") || action.equals("tempreject")) && (stage == Stage.RESET || stage == Stage.DISCONNECT)) {
            throw y.error(where, stage.eventName() + " cannot refuse anything");
        }
        Template text = explanation == null ? null : template(stage, explanation);
        if (text != null && text.isConstant()) {
            try {
                dev.mailgate.api.Verdict.of(action, text.toString());
                SmtpReply.parse(text.toString(), action.equals("reject") ? 550 : 451);
            } catch (IllegalArgumentException ex) {
                throw y.error(explanation, "invalid reply: " + ex.getMessage());
            }
        }
        return new RuleAction.Decide(action, text);
    }

    private RuleAction edit(Stage stage, String verb, Node v) {
        if (!stage.isTransaction()) {
            throw y.error(v, verb + " changes a message; " + stage.eventName() + " has none (use onMailFrom ... onDataReceived)");
        }
        modifications.add(EDIT_VERBS.get(verb));
        if (HEADER_VERBS.contains(verb)) {
            if (y.isMapping(v)) {
                Map<String, Yaml.Entry> m = y.mapping(v, verb);
                y.allowOnly(m, verb, List.of("name", "value"));
                if (!m.containsKey("name") || !m.containsKey("value")) throw y.error(v, verb + " needs name and value");
                return checkedHeader(verb, m.get("name").value(), template(stage, m.get("name").value()), template(stage, m.get("value").value()));
            }
            String s = y.scalar(v, verb);
            int colon = s.indexOf(':');
            if (colon <= 0) throw y.error(v, verb + " is written 'Name: value' or {name: ..., value: ...}");
            return checkedHeader(verb, v, compile(stage, v, s.substring(0, colon).strip()), compile(stage, v, s.substring(colon + 1).strip()));
        }
        return new RuleAction.Edit(verb, template(stage, v), null);
    }

    private RuleAction checkedHeader(String verb, Node where, Template name, Template value) {
        if (name.isConstant() && !name.toString().matches("[!-9;-~]+")) throw y.error(where, "invalid header name '" + name + "'");
        return new RuleAction.Edit(verb, name, value);
    }

    private Template template(Stage stage, Node v) {
        return compile(stage, v, y.scalar(v, "a value"));
    }

    private Template compile(Stage stage, Node v, String text) {
        Set<String> known = compiler.readableNames(stage);
        try {
            Template t = Template.compile(text, known);
            readsByStage.computeIfAbsent(stage, k -> new HashSet<>()).addAll(t.refs());
            // "${messageSize}" in a header needs the size counted just as a condition on it does
            reads.addAll(t.refs());
            return t;
        } catch (IllegalArgumentException e) {
            throw y.error(v, e.getMessage());
        }
    }
}
