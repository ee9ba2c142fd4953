// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code spamd} filter: each message is checked by SpamAssassin's spamd (spamc protocol 1.5)
 * at the end of data, as spamass-milter does.
 *
 * <pre>
 * filters:
 *   - spamd:
 *       name: spamassassin
 *       address: inet:127.0.0.1:783       # or unix:/run/spamd.sock
 *       command: SYMBOLS                  # CHECK | SYMBOLS (rules as findings) | REPORT (explanation)
 *       user: nobody                      # spamc -u: whose preferences spamd uses
 *       maxSize: 500KiB                   # spamc's default; larger: SPAMD_SKIPPED
 *       threshold: 5.0                    # default: spamd's required_score
 *       onSpam: tag                       # tag (headers, subject tag; deliver) | reject | tempreject | discard | quarantine | continue
 *       reply: "550 5.7.1 Message rejected as spam (score {score})"
 *       rejectScore: 15                   # optional: reject from this score even when tagging (spamass-milter -r)
 *       rejectReply: "550 5.7.1 Message rejected as spam (score {score})"
 *       subjectTag: "[SPAM]"              # optional
 *       headers: replace                  # X-Spam-Flag, X-Spam-Status, X-Spam-Score, X-Spam-Level
 *       timeout: 30s
 *       onError: continue
 * </pre>
 *
 * Findings: {@code SPAMD_SPAM}, {@code SPAMD_<RULE>} per rule hit (weight them in
 * {@code scores:}), {@code SPAMD_SKIPPED}, {@code SPAMD_TEMPERROR}, {@code SPAMD_TIMEOUT}.
 * Variables: {@code <name>.result} (spam, ham, skipped, error, timeout), {@code .action},
 * {@code .explanation}, {@code <name>.score}, {@code <name>.threshold}, {@code <name>.symbols}.
 * spamd closes the connection after every answer, so there is no connection reuse.
 */
package dev.mailgate.filters.external.spamd;
