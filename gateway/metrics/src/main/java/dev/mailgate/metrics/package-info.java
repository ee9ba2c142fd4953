// SPDX-License-Identifier: Apache-2.0
/**
 * A small metrics registry and the Prometheus text exposition format (version 0.0.4). Start at
 * {@link dev.mailgate.metrics.Registry}: it holds labeled {@link dev.mailgate.metrics.Counter}
 * and {@link dev.mailgate.metrics.Histogram} families, and {@link dev.mailgate.metrics.Collector}s
 * that read values owned elsewhere (DNS, stores, the JVM) when scraped;
 * {@link dev.mailgate.metrics.Registry#scrape()} renders them with {@link dev.mailgate.metrics.TextWriter}.
 *
 * <p>Recording is lock-free and allocation-free ({@link java.util.concurrent.atomic.LongAdder}s,
 * children looked up once and kept by the caller); only scraping allocates.
 */
package dev.mailgate.metrics;
