// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

/**
 * Writes some metric families when the registry is scraped: values that live elsewhere (a
 * resolver's counters, the JVM's heap) are read then, not pushed on every change.
 * Called on the scraping thread, never on a mail event loop; it must not block for long.
 */
@FunctionalInterface
public interface Collector {
    void collect(TextWriter out);
}
