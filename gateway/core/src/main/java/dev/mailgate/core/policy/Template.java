// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text with {@code ${variable}} references, as in {@code "5.7.1 listed by ${DNSBLServer}"}.
 * References are checked when the policy loads; an empty value renders as "".
 */
public final class Template {
    private static final Pattern REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_.\\-]*)}");

    private final String source;
    private final List<Object> parts; // String literal or Ref

    private record Ref(String name) {}

    private Template(String source, List<Object> parts) {
        this.source = source;
        this.parts = parts;
    }

    /**
     * Compiles {@code text}; {@code known} says which names may be referenced (null: any).
     *
     * @throws IllegalArgumentException naming the first unknown reference
     */
    public static Template compile(String text, Set<String> known) {
        List<Object> parts = new ArrayList<>();
        Matcher m = REF.matcher(text);
        int last = 0;
        while (m.find()) {
            if (m.start() > last) parts.add(text.substring(last, m.start()));
            String name = m.group(1);
            if (known != null && !known.contains(name)) {
                throw new IllegalArgumentException("unknown variable ${" + name + "} (not available at this event)");
            }
            parts.add(new Ref(name));
            last = m.end();
        }
        if (last < text.length()) parts.add(text.substring(last));
        return new Template(text, List.copyOf(parts));
    }

    /** The variable names referenced, in order. */
    public List<String> refs() {
        return parts.stream().filter(p -> p instanceof Ref).map(p -> ((Ref) p).name()).toList();
    }

    public boolean isConstant() {
        return parts.stream().noneMatch(p -> p instanceof Ref);
    }

    public String render(Function<String, Object> values) {
        if (parts.size() == 1 && parts.get(0) instanceof String s) return s;
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof Ref r) {
                Object v = values.apply(r.name());
                sb.append(v == null ? "" : v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : v);
            } else {
                sb.append(p);
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
