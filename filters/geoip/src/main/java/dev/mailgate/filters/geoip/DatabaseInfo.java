// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.time.Instant;

/**
 * Facts about a loaded country database, for logs and {@code gateway check}.
 *
 * @param name    the file, or "the shipped database ..."
 * @param type    the metadata's {@code database_type}
 * @param format  how records are read
 * @param builtAt build time (metadata {@code build_epoch})
 * @param records distinct data records, each decoded once at load
 */
record DatabaseInfo(String name, String type, DatabaseFormat format, Instant builtAt, int records) {
    @Override
    public String toString() {
        return name + " (" + type + ", " + format.word() + " records, built " + builtAt + ", " + records + " distinct records)";
    }
}
