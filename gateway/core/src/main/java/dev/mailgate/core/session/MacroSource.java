// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import java.util.Map;
import java.util.Optional;

/**
 * The MTA's macros as the front end currently sees them (milter scoping rules applied). Names
 * are given without braces: {@code j}, {@code daemon_name}.
 */
public interface MacroSource {
    MacroSource NONE = new MacroSource() {
        public Optional<String> get(String name) { return Optional.empty(); }
        public Map<String, String> all() { return Map.of(); }
    };

    Optional<String> get(String name);

    /** All macros visible now, by bare name. */
    Map<String, String> all();

    /** A copy of what {@code source} shows now, unaffected by later macros (for a check running on another thread). */
    static MacroSource snapshot(MacroSource source) {
        Map<String, String> copy = Map.copyOf(source.all());
        return new MacroSource() {
            public Optional<String> get(String name) { return Optional.ofNullable(copy.get(bareName(name))); }
            public Map<String, String> all() { return copy; }
        };
    }

    /** {@code {daemon_name}} and {@code daemon_name} are the same macro. */
    static String bareName(String name) {
        return name.length() > 2 && name.startsWith("{") && name.endsWith("}") ? name.substring(1, name.length() - 1) : name;
    }
}
