// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Score thresholds checked at the end of data (hMailServer's mark / delete thresholds, rspamd's
 * actions): {@code addHeader} marks the message (X-Spam-Flag, X-Spam-Score), {@code quarantine}
 * holds it, {@code tempreject}, {@code reject} and {@code discard} decide it. Absent = never.
 */
public record Thresholds(Map<String, Double> byAction) {
    public static final Thresholds NONE = new Thresholds(Map.of());
    public static final java.util.List<String> ACTIONS = java.util.List.of("addHeader", "quarantine", "tempreject", "reject", "discard");

    public Thresholds {
        byAction = Map.copyOf(new LinkedHashMap<>(byAction));
    }

    public boolean reached(String action, double score) {
        Double t = byAction.get(action);
        return t != null && score >= t;
    }

    public boolean isEmpty() {
        return byAction.isEmpty();
    }
}
