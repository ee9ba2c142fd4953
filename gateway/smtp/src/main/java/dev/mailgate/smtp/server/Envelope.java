// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.util.ArrayList;
import java.util.List;

/**
 * The current transaction as the downstream MTA knows it: the sender and the recipients it
 * accepted, with the client's parameters, so that the envelope can be replayed when the policy
 * changes the sender or the recipients.
 */
final class Envelope {
    /** One accepted recipient: the address as written (with brackets) and its ESMTP parameters. */
    record Recipient(String address, String params) {}

    boolean inTransaction;
    /** The policy discarded the message: nothing more goes downstream for it. */
    boolean discarded;
    String sender;
    String senderParams = "";
    final List<Recipient> recipients = new ArrayList<>();
    /**
     * The reply a failed BDAT got: every later BDAT gets it too, until RSET, MAIL or EHLO clear it
     * (RFC 3030 section 3); null when no chunk failed.
     */
    String chunkFailure;

    void begin(String sender, String params) {
        clear();
        inTransaction = true;
        this.sender = sender;
        this.senderParams = params;
    }

    void clear() {
        inTransaction = false;
        discarded = false;
        sender = null;
        senderParams = "";
        recipients.clear();
        chunkFailure = null;
    }
}
