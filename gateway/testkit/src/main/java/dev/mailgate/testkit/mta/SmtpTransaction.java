// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.util.List;

/**
 * Replies to one mail transaction sent with {@link SmtpClient#send}.
 *
 * @param mail       reply to MAIL FROM
 * @param recipients replies to each RCPT TO, in order (empty when MAIL failed)
 * @param data       final reply after the message (or the DATA reply itself when it was not 354);
 *                   null when DATA was not attempted because MAIL or every RCPT failed
 */
public record SmtpTransaction(SmtpResponse mail, List<SmtpResponse> recipients, SmtpResponse data) {

    public SmtpTransaction {
        recipients = List.copyOf(recipients);
    }

    /** Whether the server accepted the message (2xx after the final dot). */
    public boolean accepted() {
        return data != null && data.isPositive();
    }

    /** The reply of the i-th RCPT. */
    public SmtpResponse recipient(int i) {
        return recipients.get(i);
    }
}
