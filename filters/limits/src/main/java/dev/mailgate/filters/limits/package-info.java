// SPDX-License-Identifier: Apache-2.0
/**
 * Per-message limits: recipients, size, and Received: headers (loop detection).
 *
 * <pre>
 * filters:
 *   - limits:
 *       maxRcptCount: 100          # RCPT beyond this: 452 4.5.3
 *       maxDataSize: 50MiB         # SIZE= or content beyond this: 552 5.3.4
 *       maxReceivedHeaders: 30     # more Received: headers: 554 5.4.6 (mail loop)
 * </pre>
 *
 * The limits are the seeds' variables {@code maxRcptCount}, {@code maxDataSize} and
 * {@code maxReceivedHeaders}, set at onConnect; a rule of onConnect may change them per client
 * ({@code set: { maxRcptCount: 500 }}). 0 means no limit.
 */
package dev.mailgate.filters.limits;
