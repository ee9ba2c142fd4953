// SPDX-License-Identifier: Apache-2.0
/**
 * The metrics endpoint: {@link dev.mailgate.app.metrics.GatewayMetrics} gathers what the gateway
 * exports (the pipeline's counters, DNS, the shared store, external filters, the JVM, reloads)
 * into one registry, and {@link dev.mailgate.app.metrics.MetricsServer} serves it over HTTP for
 * Prometheus.
 */
package dev.mailgate.app.metrics;
