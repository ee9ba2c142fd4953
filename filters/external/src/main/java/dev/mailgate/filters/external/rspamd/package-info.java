// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code rspamd} filter: each message goes to rspamd's {@code /checkv2} at the end of data
 * with the envelope and client as request headers; rspamd's action decides, as in rspamd's milter
 * mode, and the headers of its {@code milter} block are added and removed.
 *
 * <pre>
 * filters:
 *   - rspamd:
 *       address: http://127.0.0.1:11333   # the normal worker (or inet:host:port)
 *       maxSize: 50MiB
 *       onReject: reject                  # each rspamd action: reject | tempreject | discard | quarantine | accept | continue | tag
 *       onSoftReject: tempreject
 *       onGreylist: tempreject
 *       onAddHeader: tag                  # tag: X-Spam: Yes
 *       onRewriteSubject: tag             # tag: rspamd's new subject (or subjectTag + subject)
 *       reply: "554 5.7.1 Spam message rejected"    # when rspamd gives no smtp_message
 *       tempReply: "451 4.7.1 Try again later"
 *       milterHeaders: true               # apply add_headers / remove_headers
 *       settingsId: ""                    # optional Settings-ID header
 *       timeout: 30s
 *       onError: continue
 * </pre>
 *
 * Findings: {@code RSPAMD_<ACTION>} (RSPAMD_REJECT, RSPAMD_SOFT_REJECT, RSPAMD_GREYLIST,
 * RSPAMD_ADD_HEADER, RSPAMD_REWRITE_SUBJECT), {@code RSPAMD_<SYMBOL>} per symbol,
 * {@code RSPAMD_SKIPPED}, {@code RSPAMD_TEMPERROR}, {@code RSPAMD_TIMEOUT}. Variables:
 * {@code <name>.result} (rspamd's action, or skipped, error, timeout), {@code .action},
 * {@code .explanation}, {@code <name>.score}, {@code <name>.threshold}, {@code <name>.symbols}.
 * HTTP connections are kept alive and reused where rspamd allows it.
 */
package dev.mailgate.filters.external.rspamd;
