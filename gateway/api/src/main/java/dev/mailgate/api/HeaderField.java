// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.util.Objects;

/**
 * One header field as received. {@code value} is the raw value after the colon with at most the
 * leading space removed; folded lines are joined by {@code \n} (bare LF) with the continuation
 * whitespace kept, as milter delivers them.
 */
public record HeaderField(String name, String value) {
    public HeaderField {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(value, "value");
    }

    /** The value with folding removed (RFC 5322 unfolding: line breaks dropped, whitespace kept). */
    public String unfolded() {
        return value.replace("\r\n", "").replace("\n", "").strip();
    }

    public boolean hasName(String other) {
        return name.equalsIgnoreCase(other);
    }
}
