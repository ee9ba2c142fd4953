// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@code --name value} options (repeatable) plus positional arguments. */
record Options(Map<String, List<String>> values, List<String> positional) {
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }

    static Options parse(String[] args, String... allowed) {
        Set<String> names = Set.of(allowed);
        Map<String, List<String>> values = new LinkedHashMap<>();
        List<String> positional = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String value;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                } else {
                    if (i + 1 >= args.length) throw new UsageException("option --" + name + " needs a value");
                    value = args[++i];
                }
                if (!names.contains(name)) throw new UsageException("unknown option --" + name);
                values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
            } else {
                positional.add(a);
            }
        }
        return new Options(values, positional);
    }

    String one(String name, String def) {
        List<String> l = values.get(name);
        return l == null ? def : l.get(l.size() - 1);
    }

    String required(String name) {
        String v = one(name, null);
        if (v == null) throw new UsageException("--" + name + " is required");
        return v;
    }

    List<String> all(String name) {
        return values.getOrDefault(name, List.of());
    }
}
