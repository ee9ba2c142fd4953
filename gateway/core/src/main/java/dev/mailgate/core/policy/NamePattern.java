// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.util.regex.Pattern;

/**
 * The seeds' filterNamePattern: filter names with {@code *} (any run of characters) and
 * {@code ?} (one character); several patterns are separated by commas ({@code "clamav,spam*"}).
 */
public final class NamePattern {
    private final Pattern regex;

    private NamePattern(Pattern regex) {
        this.regex = regex;
    }

    public static NamePattern compile(String pattern) {
        StringBuilder sb = new StringBuilder();
        for (String part : pattern.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            if (!sb.isEmpty()) sb.append('|');
            sb.append("(?:");
            for (char c : p.toCharArray()) {
                if (c == '*') sb.append(".*");
                else if (c == '?') sb.append('.');
                else sb.append(Pattern.quote(String.valueOf(c)));
            }
            sb.append(')');
        }
        return new NamePattern(Pattern.compile(sb.isEmpty() ? "(?!)" : sb.toString()));
    }

    public boolean matches(String name) {
        return regex.matcher(name).matches();
    }
}
