// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.server;

import dev.mailgate.core.session.MacroSource;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The MTA's macros with libmilter's scoping: one set per stage; a new CONNECT, HELO, MAIL, RCPT or
 * DATA command discards the sets of later stages; lookups search from the latest stage back.
 * Postfix's extra stage letters L, B and U are filed under EOH, EOM and their own slot.
 */
final class MilterMacros implements MacroSource {
    // libmilter's internal order: CONN < HELO < MAIL < RCPT < DATA < EOH < EOM, plus UNKNOWN
    private static final String ORDER = "CHMRTNEU";

    @SuppressWarnings("unchecked")
    private final Map<String, String>[] byStage = new Map[ORDER.length()];
    private Map<String, String> merged;

    private static int slot(char stage) {
        char s = switch (stage) {
            case 'L' -> 'N';
            case 'B' -> 'E';
            default -> stage;
        };
        return ORDER.indexOf(s);
    }

    /**
     * Macro names, one String per name for the whole process: every session of an MTA gets the
     * same dozen names, and ten thousand idle sessions should not hold ten thousand copies of each.
     * Bounded, so an MTA sending made-up names cannot grow it without end.
     */
    private static final java.util.concurrent.ConcurrentHashMap<String, String> NAMES = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int MAX_NAMES = 1024;

    static String canonical(String bare) {
        String known = NAMES.get(bare);
        if (known != null) return known;
        if (NAMES.size() >= MAX_NAMES) return bare;
        String previous = NAMES.putIfAbsent(bare, bare);
        return previous == null ? bare : previous;
    }

    /** A {@code D} packet: replaces that stage's set. Unknown stage letters are ignored. */
    void define(char stage, Map<String, String> macros) {
        int i = slot(stage);
        if (i < 0) return;
        Map<String, String> m = HashMap.newHashMap(macros.size());
        macros.forEach((k, v) -> m.put(canonical(MacroSource.bareName(k)), v));
        byStage[i] = m;
        merged = null;
    }

    /** A command of {@code stage} arrived: sets of later stages no longer apply. */
    void enter(char stage) {
        int i = slot(stage);
        if (i < 0 || i > ORDER.indexOf('T')) return;
        for (int j = i + 1; j < ORDER.indexOf('U'); j++) {
            if (byStage[j] != null) {
                byStage[j] = null;
                merged = null;
            }
        }
    }

    void clear() {
        java.util.Arrays.fill(byStage, null);
        merged = null;
    }

    @Override
    public Optional<String> get(String name) {
        String bare = MacroSource.bareName(name);
        for (int i = byStage.length - 1; i >= 0; i--) {
            if (byStage[i] != null && byStage[i].containsKey(bare)) return Optional.of(byStage[i].get(bare));
        }
        return Optional.empty();
    }

    @Override
    public Map<String, String> all() {
        if (merged == null) {
            Map<String, String> m = new LinkedHashMap<>();
            for (Map<String, String> s : byStage) if (s != null) m.putAll(s);
            merged = java.util.Collections.unmodifiableMap(m);
        }
        return merged;
    }
}
