// SPDX-License-Identifier: Apache-2.0
/**
 * The {@code command} filter: hMailServer's external virus scanner. A program runs per message
 * with the message on its stdin (or in a file), the context in environment variables (and
 * optionally a JSON file), and its exit code decides.
 *
 * <pre>
 * filters:
 *   - command:
 *       name: avscan
 *       command: [/usr/bin/clamdscan, --no-summary, --stdout, "-"]   # absolute path, no shell
 *       input: stdin                      # stdin | file ({file} in the command, MAILGATE_FILE) | none
 *       event: onDataReceived             # or an earlier event, with input: none
 *       continue: [0]                     # exit codes per action; any other code is a failure (onError)
 *       reject: [1]
 *       tempreject: [75]
 *       quarantine: []
 *       reply: "554 5.7.1 Message rejected by {name}: {output}"   # {output}: first line it printed
 *       tempReply: "451 4.7.1 Message deferred by {name}, try again later"
 *       json: false                       # MAILGATE_CONTEXT: a JSON file with variables and headers
 *       maxSize: 0                        # 0: no limit
 *       killAfter: 20s                    # optional own limit; the chain's timeout kills it too
 *       timeout: 30s
 *       onError: tempreject
 * </pre>
 *
 * Environment: {@code MAILGATE_MAIL_FROM}, {@code MAILGATE_RCPT_TO} (comma-separated),
 * {@code MAILGATE_CLIENT_IP}, {@code MAILGATE_CLIENT_HOST}, {@code MAILGATE_HELO},
 * {@code MAILGATE_AUTH_USER}, {@code MAILGATE_QUEUE_ID}, {@code MAILGATE_SESSION},
 * {@code MAILGATE_FILTER}, {@code MAILGATE_EVENT}, and {@code MAILGATE_VAR_<seedName>} for every
 * standard variable that has a value; of the gateway's own environment only PATH, HOME, LANG,
 * LC_ALL, TMPDIR and TZ are passed on. A command that overruns is killed with its children.
 * Findings: {@code COMMAND_EXIT_<code>} (non-zero codes), {@code COMMAND_SKIPPED},
 * {@code COMMAND_TEMPERROR}, {@code COMMAND_TIMEOUT}. Variables: {@code <name>.result} (the exit
 * code, skipped, error, timeout), {@code .action}, {@code .explanation}, {@code <name>.exitCode}.
 */
package dev.mailgate.filters.external.command;
