// SPDX-License-Identifier: Apache-2.0
/**
 * What the pipeline counts: {@link dev.mailgate.core.metrics.PipelineMetrics} holds the families
 * (sessions and verdicts per front end, calls and latency per filter) in a gateway's
 * {@link dev.mailgate.metrics.Registry}; a {@link dev.mailgate.core.metrics.FrontEndMeter} is what
 * a session records into.
 */
package dev.mailgate.core.metrics;
