// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A typed, scoped session variable. The name is the public vocabulary (YAML rules, logs, traces)
 * and keeps the seeds' spelling ({@code remoteSmtpIp}, {@code SPFResult}); filter-owned variables
 * are prefixed with the filter id ({@code spf.result}).
 *
 * <p>{@code availableFrom} is the first stage at which the variable can have a value: a policy rule
 * that reads it earlier is refused when the policy loads.
 *
 * <p>Supported value types are those a rule can compare: {@link String}, {@link Long},
 * {@link Double}, {@link Boolean} and {@code List<String>}.
 *
 * @param <T> the value type
 */
public final class Var<T> {
    private static final Set<Class<?>> TYPES =
            Set.of(String.class, Long.class, Double.class, Boolean.class, List.class);

    private final String name;
    private final Class<T> type;
    private final Scope scope;
    private final Stage availableFrom;
    private final String description;

    private Var(String name, Class<T> type, Scope scope, Stage availableFrom, String description) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
        this.scope = Objects.requireNonNull(scope, "scope");
        this.availableFrom = Objects.requireNonNull(availableFrom, "availableFrom");
        this.description = description == null ? "" : description;
        if (!TYPES.contains(type)) {
            throw new IllegalArgumentException("unsupported variable type " + type.getName() + " for " + name);
        }
        if (name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("invalid variable name '" + name + "'");
        }
    }

    public static Var<String> string(String name, Scope scope, Stage from, String description) {
        return new Var<>(name, String.class, scope, from, description);
    }

    public static Var<Long> integer(String name, Scope scope, Stage from, String description) {
        return new Var<>(name, Long.class, scope, from, description);
    }

    public static Var<Double> decimal(String name, Scope scope, Stage from, String description) {
        return new Var<>(name, Double.class, scope, from, description);
    }

    public static Var<Boolean> bool(String name, Scope scope, Stage from, String description) {
        return new Var<>(name, Boolean.class, scope, from, description);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static Var<List<String>> stringList(String name, Scope scope, Stage from, String description) {
        return new Var(name, List.class, scope, from, description);
    }

    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    public Scope scope() {
        return scope;
    }

    public Stage availableFrom() {
        return availableFrom;
    }

    public String description() {
        return description;
    }

    /** True if a rule of {@code stage} may read this variable. */
    public boolean readableAt(Stage stage) {
        return availableFrom.compareTo(stage) <= 0;
    }

    /** The value a rule sees when the variable is readable but was never set. */
    @SuppressWarnings("unchecked")
    public T emptyValue() {
        if (type == String.class) return (T) "";
        if (type == Long.class) return (T) Long.valueOf(0);
        if (type == Double.class) return (T) Double.valueOf(0);
        if (type == Boolean.class) return (T) Boolean.FALSE;
        return (T) List.of();
    }

    /** Checks and converts a value for this variable (numbers widen to Long / Double). */
    @SuppressWarnings("unchecked")
    public T cast(Object value) {
        if (value == null) return null;
        if (type == Long.class && value instanceof Number n && !(value instanceof Double || value instanceof Float)) {
            return (T) Long.valueOf(n.longValue());
        }
        if (type == Double.class && value instanceof Number n) {
            return (T) Double.valueOf(n.doubleValue());
        }
        if (type == List.class && value instanceof List<?> l) {
            return (T) List.copyOf(l.stream().map(String::valueOf).toList());
        }
        if (!type.isInstance(value)) {
            throw new IllegalArgumentException(name + " takes a " + type.getSimpleName()
                    + ", not " + value.getClass().getSimpleName() + " '" + value + "'");
        }
        return (T) value;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Var<?> v && v.name.equals(name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
