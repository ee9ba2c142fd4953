// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

/** How long a variable's value lives. */
public enum Scope {
    /** The whole SMTP session (client address, HELO name, counters). */
    CONNECTION,
    /** One message: cleared on RSET, on a new MAIL FROM and after the end of data. */
    TRANSACTION,
    /** The recipient being processed in {@code onRcptTo}: cleared before each RCPT. */
    RECIPIENT
}
