// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

/**
 * A country database that cannot be used: missing, unreadable, corrupt or of the wrong kind. The
 * message always starts with the database's name (its file, or "the shipped database") and says
 * what is wrong, so the policy loader can show it next to the setting.
 */
public final class GeoipDatabaseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    GeoipDatabaseException(String databaseName, String problem) {
        super(databaseName + ": " + problem);
    }

    GeoipDatabaseException(String databaseName, String problem, Throwable cause) {
        super(databaseName + ": " + problem, cause);
    }

    /** Describes a low-level failure for a message: class and text, since many carry no text. */
    static String describe(Throwable t) {
        String m = t.getMessage();
        String kind = t.getClass().getSimpleName();
        return m == null || m.isBlank() ? kind : kind + ": " + m;
    }
}
