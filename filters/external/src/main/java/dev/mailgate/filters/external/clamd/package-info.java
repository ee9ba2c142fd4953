// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code clamd} filter: each message is streamed to clamd with {@code zINSTREAM} at the end
 * of data, as clamav-milter does.
 *
 * <pre>
 * filters:
 *   - clamd:
 *       name: clamav                      # variables clamav.result, clamav.virus, ...
 *       address: unix:/run/clamav/clamd.ctl   # or inet:127.0.0.1:3310
 *       maxSize: 25MiB                    # larger messages are not scanned (CLAMD_SKIPPED, result skipped)
 *       onInfected: reject                # reject | tempreject | discard | quarantine | accept | continue
 *       reply: "554 5.7.1 Message rejected: virus {virus} found"
 *       headers: replace                  # X-Virus-Scanned, X-Virus-Status; replace (drop forged) | add | off
 *       scannedBy: "ClamAV via mailgate"  # X-Virus-Scanned value (" at <mtaHostname>" is appended)
 *       maxIdleConnections: 4             # IDSESSION connections kept for reuse (0: one per scan)
 *       connectTimeout: 5s
 *       ioTimeout: 20s                    # optional; else the chain's timeout bounds the scan
 *       timeout: 30s                      # the chain's deadline
 *       onError: tempreject               # clamd down or hanging: tempreject | accept | continue | {score: N}
 * </pre>
 *
 * Findings: {@code CLAMD_INFECTED}, {@code CLAMD_SKIPPED}, {@code CLAMD_TEMPERROR},
 * {@code CLAMD_TIMEOUT}. Variables: {@code <name>.result} (clean, infected, skipped, error,
 * timeout), {@code <name>.action}, {@code <name>.explanation}, {@code <name>.virus}.
 */
package dev.mailgate.filters.external.clamd;
