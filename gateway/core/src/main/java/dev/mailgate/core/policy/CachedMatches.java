// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import com.google.re2j.Pattern;
import dev.cel.runtime.CelFunctionBinding;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CEL's {@code matches()} with each regular expression compiled once. CEL's own binding compiles
 * the pattern on every evaluation (about 1 µs for a short one), although rules almost always
 * match against a literal. Same engine (RE2) and semantics: a partial match, as CEL specifies.
 */
final class CachedMatches {
    /** Enough for every literal of any sane policy; past it, patterns are compiled per call again. */
    private static final int MAX_PATTERNS = 4096;
    private static final ConcurrentHashMap<String, Pattern> PATTERNS = new ConcurrentHashMap<>();

    private CachedMatches() {}

    /** Bindings for CEL's overload ids of {@code matches(string, string)} and {@code string.matches(string)}. */
    static List<CelFunctionBinding> bindings() {
        return List.of(CelFunctionBinding.from("matches", String.class, String.class, CachedMatches::find),
                CelFunctionBinding.from("matches_string", String.class, String.class, CachedMatches::find));
    }

    static boolean find(String text, String regex) {
        return pattern(regex).matcher(text).find();
    }

    private static Pattern pattern(String regex) {
        Pattern p = PATTERNS.get(regex);
        if (p != null) return p;
        p = Pattern.compile(regex); // a bad pattern throws here, as in CEL's own binding
        if (PATTERNS.size() < MAX_PATTERNS) PATTERNS.putIfAbsent(regex, p);
        return p;
    }
}
