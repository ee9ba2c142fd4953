// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code milter} filter: the gateway as the MTA of another milter (OpenDKIM, OpenDMARC,
 * another gateway). Each stage is forwarded with the macros Postfix would send (from our MTA's
 * macros or the session's variables); the downstream's refusals become our verdicts and its
 * end-of-message changes (headers, recipients, sender, body, quarantine) our changes. As with
 * several milters in Postfix, a downstream {@code accept} only ends that milter's part.
 *
 * <pre>
 * filters:
 *   - milter:
 *       name: opendkim
 *       address: inet:127.0.0.1:8891      # or unix:/run/opendkim/opendkim.sock
 *       connectTimeout: 5s
 *       ioTimeout: 10s                    # optional; else the chain's timeout
 *       maxIdleConnections: 0             # keep connections for the next session (SMFIC_QUIT_NC);
 *                                         # off by default: OpenDKIM 2.11's libmilter stops answering after it
 *       timeout: 10s
 *       onError: tempreject
 * </pre>
 *
 * A stage reached without the earlier ones (the connection was lost, or a rule added the filter
 * only at onDataReceived) first replays the session so far. The body is sent at the end of data
 * from the body store. Changes the editor cannot express (a header occurrence other than the
 * first, ESMTP arguments of added recipients or the new sender) are reported as
 * {@code MILTER_UNSUPPORTED} with one log line. Findings: {@code MILTER_REJECT},
 * {@code MILTER_TEMPFAIL}, {@code MILTER_DISCARD}, {@code MILTER_TEMPERROR}, {@code MILTER_TIMEOUT}.
 * Variables: {@code <name>.result} (continue, accept, reject, tempfail, discard), {@code .action},
 * {@code .explanation}.
 */
package dev.mailgate.filters.external.milter;
