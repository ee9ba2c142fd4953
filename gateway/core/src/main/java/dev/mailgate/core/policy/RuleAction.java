// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.MessageBody;
import dev.mailgate.api.MessageEditor;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** One thing a rule does when its condition holds (the YAML {@code then:}). */
public sealed interface RuleAction {
    void apply(RuleTarget target);

    /** A short text for {@code gateway check} and traces. */
    String describe();

    private static String render(Template t, RuleTarget target) {
        return t.render(name -> target.read(name).orElse(""));
    }

    /** {@code smtpAction} (and {@code smtpExplanation}): the seeds' way to decide. */
    record Decide(String action, Template explanation) implements RuleAction {
        public void apply(RuleTarget target) {
            target.set(StandardVars.SMTP_ACTION, action);
            if (explanation != null) target.set(StandardVars.SMTP_EXPLANATION, render(explanation, target));
        }

        public String describe() {
            return action + (explanation == null ? "" : " \"" + explanation + "\"");
        }
    }

    /** Sets a variable, converting the text to the variable's type. */
    record SetVar(Var<?> var, Template value) implements RuleAction {
        public void apply(RuleTarget target) {
            setConverted(target, var, render(value, target));
        }

        private static <T> void setConverted(RuleTarget target, Var<T> var, String text) {
            Object v;
            if (var.type() == Long.class) v = Long.parseLong(text.strip());
            else if (var.type() == Double.class) v = Double.parseDouble(text.strip());
            else if (var.type() == Boolean.class) v = bool(text.strip());
            else if (var.type() == java.util.List.class) v = text.isEmpty() ? java.util.List.of() : java.util.List.of(text.split(","));
            else v = text;
            target.set(var, var.cast(v));
        }

        /** true/false, yes/no, on/off, 1/0 (VPOP3 writes 1 and 0); anything else is an error, not false. */
        static boolean bool(String text) {
            return switch (text.toLowerCase(java.util.Locale.ROOT)) {
                case "true", "yes", "on", "1" -> true;
                case "false", "no", "off", "0" -> false;
                default -> throw new IllegalArgumentException("'" + text + "' is not a boolean (true/false, yes/no, on/off, 1/0)");
            };
        }

        public String describe() {
            return "set " + var.name() + " = " + value;
        }
    }

    /** Reports a finding; its weight comes from {@code scores:}. */
    record Report(String symbol) implements RuleAction {
        public void apply(RuleTarget target) {
            target.report(symbol, "rule");
        }

        public String describe() {
            return "report " + symbol;
        }
    }

    /** Adds a fixed score. */
    record Score(String ruleName, double score) implements RuleAction {
        public void apply(RuleTarget target) {
            target.addScore(ruleName, score);
        }

        public String describe() {
            return "score " + score;
        }
    }

    /**
     * The seeds' {@code addFilter}: from now on this session (this message, when added in a
     * transaction event) may run the filter with {@code executeFilters}.
     */
    record AddFilter(String name) implements RuleAction {
        public void apply(RuleTarget target) {
            target.addFilter(name);
        }

        public String describe() {
            return "addFilter " + name;
        }
    }

    /**
     * The seeds' {@code executeFilters}: runs this event's callback of the added filters whose
     * names match the pattern (null: the {@code filterNamePattern} variable). With {@code decide},
     * the first filter whose verdict is not continue decides the event, as in the chain;
     * otherwise only their variables ({@code <name>.result} ...) are set and later rules decide.
     */
    record ExecuteFilters(Template pattern, boolean decide) implements RuleAction {
        public void apply(RuleTarget target) {
            String p = pattern == null
                    ? target.read(AddedFilterVars.FILTER_NAME_PATTERN.name()).map(String::valueOf).orElse("")
                    : render(pattern, target);
            target.executeFilters(NamePattern.compile(p), decide);
        }

        public String describe() {
            return "executeFilters " + (pattern == null ? "${filterNamePattern}" : pattern) + (decide ? "" : " (variables only)");
        }
    }

    /** A message edit with the seeds' verb names. */
    record Edit(String verb, Template first, Template second) implements RuleAction {
        public void apply(RuleTarget target) {
            MessageEditor e = target.edit();
            String a = render(first, target);
            String b = second == null ? null : render(second, target);
            switch (verb) {
                case "addHeader" -> e.addHeader(a, b);
                case "addIfNotExistsHeader" -> e.addIfNotExistsHeader(a, b);
                case "modifyHeader" -> e.modifyHeader(a, b);
                case "modifyIfExistsHeader" -> e.modifyIfExistsHeader(a, b);
                case "removeFirstHeader" -> e.removeFirstHeader(a);
                case "removeHeader" -> e.removeHeader(a);
                case "addRcpt" -> e.addRcpt(a);
                case "discardRcpt" -> e.discardRcpt(a);
                case "changeFrom" -> e.changeFrom(a);
                case "quarantine" -> e.quarantine(a);
                case "replaceBody" -> e.replaceBody(textBody(a));
                default -> throw new IllegalStateException("unknown verb " + verb);
            }
        }

        public String describe() {
            return verb + " " + first + (second == null ? "" : ": " + second);
        }
    }

    /** A body given as text in the policy, with CRLF line ends. */
    static MessageBody textBody(String text) {
        String crlf = text.replace("\r\n", "\n").replace("\n", "\r\n");
        if (!crlf.endsWith("\r\n")) crlf += "\r\n";
        byte[] bytes = crlf.getBytes(StandardCharsets.UTF_8);
        return new MessageBody() {
            public long size() { return bytes.length; }
            public InputStream open() { return new ByteArrayInputStream(bytes); }
        };
    }
}
