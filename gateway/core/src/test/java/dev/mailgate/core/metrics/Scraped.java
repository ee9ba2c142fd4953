// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.metrics;

/** Reads one sample's value out of a scrape, for assertions. */
final class Scraped {
    private Scraped() {}

    /** The value of the sample written exactly as {@code series} (name and labels), or -1 if absent. */
    static double value(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst().orElse(-1);
    }
}
