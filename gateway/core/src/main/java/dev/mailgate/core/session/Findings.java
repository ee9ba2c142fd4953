// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Findings reported in a session and their weights. Findings of the connection stages
 * (onConnect, onEhlo: DNSBL, GeoIP) count for every message of the connection; the others for
 * the current message only. A symbol counts once per scope.
 */
final class Findings {
    // created on the first finding: most sessions of a plain policy never report one
    private Map<String, Double> connection = Map.of();
    private Map<String, Double> transaction = Map.of();

    /** Records a finding; false if it was already there. */
    boolean add(String symbol, double weight, boolean connectionLevel) {
        if (connection.containsKey(symbol) || transaction.containsKey(symbol)) return false;
        if (connectionLevel) {
            if (connection.isEmpty()) connection = new LinkedHashMap<>();
            connection.put(symbol, weight);
        } else {
            if (transaction.isEmpty()) transaction = new LinkedHashMap<>();
            transaction.put(symbol, weight);
        }
        return true;
    }

    double score() {
        double s = 0;
        for (double w : connection.values()) s += w;
        for (double w : transaction.values()) s += w;
        return s;
    }

    List<String> symbols() {
        List<String> l = new ArrayList<>(connection.keySet());
        l.addAll(transaction.keySet());
        return l;
    }

    void clearTransaction() {
        transaction = Map.of();
    }

    /** "DNSBL_LISTED(6) SPF_FAIL(3)" for the verdict log line. */
    String summary() {
        StringBuilder sb = new StringBuilder();
        for (var m : List.of(connection, transaction)) {
            m.forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('(').append(fmt(v)).append(')'));
        }
        return sb.toString();
    }

    static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
