// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.command;

import dev.mailgate.api.FilterSettings;
import dev.mailgate.filters.external.Reaction;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Which exit code means what (hMailServer's "return value" of an external virus scanner),
 * configured per action: {@code continue: [0]}, {@code reject: [1, 6]}, {@code tempreject: [75]},
 * {@code discard}, {@code quarantine}, {@code accept}. A code listed nowhere is a failure of the
 * command, handled by the chain's onError.
 */
final class ExitCodes {
    static final List<String> KEYS = List.of("continue", "accept", "reject", "tempreject", "discard", "quarantine");

    private final Map<Integer, Reaction.Kind> byCode;

    private ExitCodes(Map<Integer, Reaction.Kind> byCode) {
        this.byCode = byCode;
    }

    static ExitCodes parse(FilterSettings s) {
        Map<Integer, Reaction.Kind> m = new HashMap<>();
        for (String key : KEYS) {
            List<String> codes = s.keys().contains(key) ? s.strings(key) : key.equals("continue") ? List.of("0") : List.of();
            for (String c : codes) {
                int code;
                try {
                    code = Integer.parseInt(c.strip());
                } catch (NumberFormatException e) {
                    throw s.invalid(key, "exit codes are numbers 0 to 255, not '" + c + "'");
                }
                if (code < 0 || code > 255) throw s.invalid(key, "exit codes are numbers 0 to 255, not " + code);
                Reaction.Kind old = m.put(code, Reaction.Kind.valueOf(key.toUpperCase(Locale.ROOT)));
                if (old != null) throw s.invalid(key, "exit code " + code + " is listed under two actions");
            }
        }
        return new ExitCodes(m);
    }

    Optional<Reaction.Kind> action(int exitCode) {
        return Optional.ofNullable(byCode.get(exitCode));
    }
}
