// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A filter's settings from the policy. Accessors validate types; every error built with
 * {@link #invalid} carries the file, line and column of the offending value.
 */
public interface FilterSettings {
    /** The filter's name in this policy (its {@code name:}, or its type). */
    String name();

    Set<String> keys();

    Optional<String> string(String key);

    default String string(String key, String defaultValue) {
        return string(key).orElse(defaultValue);
    }

    long integer(String key, long defaultValue);

    boolean bool(String key, boolean defaultValue);

    /** A duration written as {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h} or {@code 2d}. */
    Duration duration(String key, Duration defaultValue);

    /** A list of strings (a single string counts as a list of one). */
    List<String> strings(String key);

    /** Refuses keys other than these (and the chain's common keys), naming the unknown one. */
    void allowOnly(String... keys);

    /** An error pointing at {@code key}'s value (or the filter entry if the key is absent). */
    RuntimeException invalid(String key, String message);
}
