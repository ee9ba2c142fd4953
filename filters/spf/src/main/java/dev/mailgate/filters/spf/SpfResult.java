// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import java.util.Locale;
import java.util.Optional;

/**
 * The seven results of {@code check_host()} (RFC 7208 §2.6). {@link #value()} is the seeds'
 * spelling that rules compare ({@code SPFResult == "SoftFail"}), {@link #keyword()} the RFC's
 * lower-case word used in Received-SPF and Authentication-Results, {@link #symbol()} the finding.
 */
public enum SpfResult {
    NONE("None"),
    NEUTRAL("Neutral"),
    PASS("Pass"),
    FAIL("Fail"),
    SOFTFAIL("SoftFail"),
    TEMPERROR("TempError"),
    PERMERROR("PermError");

    private final String value;

    SpfResult(String value) {
        this.value = value;
    }

    /** The value of {@code SPFResult}: None, Neutral, Pass, Fail, SoftFail, TempError, PermError. */
    public String value() {
        return value;
    }

    /** The RFC 7208 / RFC 8601 keyword: {@code none}, {@code pass}, {@code softfail}, ... */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The finding reported for this result: {@code SPF_PASS}, {@code SPF_TEMPERROR}, ... */
    public String symbol() {
        return "SPF_" + name();
    }

    /** The result whose {@link #value()} is {@code value}; empty for anything else (a rule may set the variable). */
    public static Optional<SpfResult> ofValue(String value) {
        for (SpfResult r : values()) if (r.value.equals(value)) return Optional.of(r);
        return Optional.empty();
    }

    /** The result a matching directive gives for its qualifier ({@code +}, {@code -}, {@code ~}, {@code ?}). */
    static SpfResult ofQualifier(char qualifier) {
        return switch (qualifier) {
            case '+' -> PASS;
            case '-' -> FAIL;
            case '~' -> SOFTFAIL;
            case '?' -> NEUTRAL;
            default -> throw new IllegalArgumentException("not a qualifier: " + qualifier);
        };
    }
}
