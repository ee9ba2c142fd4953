// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.rspamd;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mailgate.api.MessageEditor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Applies the {@code milter} block of an rspamd answer, as rspamd's own milter does: first
 * {@code remove_headers} ({@code name: 0} every occurrence, {@code name: 1} the first), then
 * {@code add_headers} ({@code name: value}, {@code name: {value, order}} where order 0 or more
 * inserts at that position and -1 appends, or a list of those).
 */
final class MilterBlock {
    private MilterBlock() {}

    /** Applies the block; returns what could not be expressed (occurrences other than all or first). */
    static List<String> apply(JsonNode milter, MessageEditor edit) {
        List<String> unsupported = new ArrayList<>();
        if (milter == null || !milter.isObject()) return unsupported;
        JsonNode remove = milter.get("remove_headers");
        if (remove != null && remove.isObject()) {
            for (Map.Entry<String, JsonNode> e : iterable(remove)) {
                int n = e.getValue().asInt(0);
                if (n == 0) edit.removeHeader(e.getKey());
                else if (n == 1) edit.removeFirstHeader(e.getKey());
                else unsupported.add("remove occurrence " + n + " of " + e.getKey());
            }
        }
        JsonNode add = milter.get("add_headers");
        if (add != null && add.isObject()) {
            for (Map.Entry<String, JsonNode> e : iterable(add)) {
                JsonNode v = e.getValue();
                List<JsonNode> values = new ArrayList<>();
                if (v.isArray()) v.forEach(values::add);
                else values.add(v);
                for (JsonNode one : values) add(edit, e.getKey(), one);
            }
        }
        return unsupported;
    }

    private static void add(MessageEditor edit, String name, JsonNode v) {
        String value = v.isObject() ? v.path("value").asText("") : v.asText("");
        int order = v.isObject() && v.has("order") ? v.get("order").asInt(-1) : -1;
        value = value.replace("\r\n", "\n").replace("\r", "");
        if (order >= 0) edit.insertHeader(order, name, value);
        else edit.addHeader(name, value);
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode n) {
        return n::fields;
    }
}
