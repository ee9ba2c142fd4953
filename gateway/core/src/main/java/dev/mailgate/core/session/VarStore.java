// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.Scope;
import dev.mailgate.api.Var;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A session's variable values, kept per {@link Scope} so that ending a transaction or moving to
 * the next recipient clears exactly the right ones. Not thread-safe: one session's events run
 * one at a time.
 */
public final class VarStore {
    private final Map<Var<?>, Object> connection = new HashMap<>();
    private final Map<Var<?>, Object> transaction = new HashMap<>();
    private final Map<Var<?>, Object> recipient = new HashMap<>();

    private Map<Var<?>, Object> map(Scope scope) {
        return switch (scope) {
            case CONNECTION -> connection;
            case TRANSACTION -> transaction;
            case RECIPIENT -> recipient;
        };
    }

    public <T> void set(Var<T> var, T value) {
        if (value == null) {
            map(var.scope()).remove(var);
        } else {
            map(var.scope()).put(var, var.cast(value));
        }
    }

    public <T> Optional<T> find(Var<T> var) {
        return Optional.ofNullable(var.type().cast(map(var.scope()).get(var)));
    }

    public <T> T get(Var<T> var) {
        Object v = map(var.scope()).get(var);
        return v == null ? var.emptyValue() : var.type().cast(v);
    }

    /** An independent copy (for a check that runs while the session moves on). */
    public VarStore copy() {
        VarStore c = new VarStore();
        c.connection.putAll(connection);
        c.transaction.putAll(transaction);
        c.recipient.putAll(recipient);
        return c;
    }

    /** Clears what belongs to one message (transaction and recipient scope). */
    public void clearTransaction() {
        transaction.clear();
        recipient.clear();
    }

    public void clearRecipient() {
        recipient.clear();
    }

    /** Every value set, by name, for traces ({@code gateway test}) and parity tests. */
    public Map<String, Object> snapshot() {
        Map<String, Object> all = new LinkedHashMap<>();
        for (Map<Var<?>, Object> m : java.util.List.of(connection, transaction, recipient)) {
            m.forEach((k, v) -> all.put(k.name(), v));
        }
        return all;
    }
}
