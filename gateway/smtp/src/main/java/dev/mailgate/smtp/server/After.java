// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

/** What the session does once a command is answered. */
enum After {
    /** Decode the next command. */
    NEXT_COMMAND,
    /** 354 was sent: decode message content. */
    CONTENT,
    /** BDAT was taken: read the chunk's octets. */
    CHUNK,
    /** The connection is being closed: decode nothing more. */
    CLOSE
}
