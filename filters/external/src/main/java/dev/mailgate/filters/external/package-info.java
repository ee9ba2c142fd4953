// SPDX-License-Identifier: Apache-2.0
/**
 * External filters: the gateway as a client of the scanners mail administrators already run.
 * One filter type per package, all built the same way:
 *
 * <ul>
 *   <li>{@link dev.mailgate.filters.external.clamd clamd} — ClamAV's clamd, INSTREAM;</li>
 *   <li>{@link dev.mailgate.filters.external.spamd spamd} — SpamAssassin's spamd, spamc protocol;</li>
 *   <li>{@link dev.mailgate.filters.external.rspamd rspamd} — rspamd, HTTP /checkv2;</li>
 *   <li>{@link dev.mailgate.filters.external.milter milter} — another milter (OpenDKIM, another gateway);</li>
 *   <li>{@link dev.mailgate.filters.external.command command} — a program and its exit code.</li>
 * </ul>
 *
 * What they share lives here: {@link dev.mailgate.filters.external.ScannerAddress} (unix:/path,
 * inet:host:port, parsed without connecting, so a policy loads while a scanner is down),
 * {@link dev.mailgate.filters.external.ScannerConnection} (blocking socket I/O with the filter's
 * own {@code ioTimeout}, see {@link dev.mailgate.filters.external.Watchdog}),
 * {@link dev.mailgate.filters.external.MessageStream} (headers plus the stored body, streamed in
 * 64 KiB chunks, never copied whole), {@link dev.mailgate.filters.external.ResultVars} (the seeds'
 * {@code <name>.result}, {@code .action}, {@code .explanation}),
 * {@link dev.mailgate.filters.external.Reaction} (reject, tempreject, discard, quarantine, accept,
 * continue) and {@link dev.mailgate.filters.external.Health} (counters per filter).
 *
 * <p>Failures: a scanner that cannot be reached, breaks its protocol or does not answer in time
 * makes the filter report {@code <TYPE>_TEMPERROR} or {@code <TYPE>_TIMEOUT} and throw; the chain
 * then gives the filter's {@code onError} verdict (tempreject unless configured), reports
 * {@code <NAME>_ERROR} / {@code <NAME>_TIMEOUT}, sets {@code <name>.result} to error or timeout and
 * logs exactly one line. Without {@code ioTimeout}, the chain's {@code timeout} bounds each call.
 */
package dev.mailgate.filters.external;
