// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.util.Objects;

/**
 * A change to the message, applied by the MTA at the end of data in the order recorded. Filters
 * normally use {@link MessageEditor} (the seeds' verbs), which turns them into these records.
 */
public sealed interface Modification {

    /** Append a header after the last one. */
    record AddHeader(String name, String value) implements Modification {
        public AddHeader { checkHeader(name, value); }
    }

    /** Insert a header at {@code index} (0 = very top, above the MTA's own Received:). */
    record InsertHeader(int index, String name, String value) implements Modification {
        public InsertHeader {
            checkHeader(name, value);
            if (index < 0) throw new IllegalArgumentException("header index must be >= 0");
        }
    }

    /**
     * Change the {@code occurrence}-th (1-based) header called {@code name}; an empty value removes it.
     * The MTA adds the header when that occurrence does not exist.
     */
    record ChangeHeader(String name, int occurrence, String value) implements Modification {
        public ChangeHeader {
            checkHeader(name, value);
            if (occurrence < 1) throw new IllegalArgumentException("header occurrence is 1-based");
        }
    }

    /** Replace the envelope sender; {@code esmtpArgs} may be empty (e.g. "RET=HDRS"). */
    record ChangeSender(String address, String esmtpArgs) implements Modification {
        public ChangeSender { checkAddress(address); esmtpArgs = esmtpArgs == null ? "" : esmtpArgs; }
    }

    /** Add an envelope recipient; {@code esmtpArgs} may be empty (e.g. "NOTIFY=NEVER"). */
    record AddRecipient(String address, String esmtpArgs) implements Modification {
        public AddRecipient { checkAddress(address); esmtpArgs = esmtpArgs == null ? "" : esmtpArgs; }
    }

    /** Remove an envelope recipient, given as the client wrote it in RCPT TO. */
    record RemoveRecipient(String address) implements Modification {
        public RemoveRecipient { checkAddress(address); }
    }

    /** Replace the whole body (CRLF line ends). */
    record ReplaceBody(MessageBody body) implements Modification {
        public ReplaceBody { Objects.requireNonNull(body, "body"); }
    }

    /** Hold the message (Postfix: hold queue; Sendmail: quarantine with this reason). */
    record Quarantine(String reason) implements Modification {
        public Quarantine {
            if (reason == null || reason.isBlank()) throw new IllegalArgumentException("quarantine needs a reason");
        }
    }

    private static void checkHeader(String name, String value) {
        Objects.requireNonNull(value, "value");
        if (name == null || name.isEmpty() || !name.chars().allMatch(c -> c > 32 && c < 127 && c != ':')) {
            throw new IllegalArgumentException("invalid header name '" + name + "'");
        }
        if (value.indexOf('\0') >= 0 || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("header value of " + name + " contains CR or NUL");
        }
    }

    private static void checkAddress(String address) {
        if (address == null || address.indexOf('\0') >= 0 || address.indexOf('\r') >= 0 || address.indexOf('\n') >= 0) {
            throw new IllegalArgumentException("invalid address '" + address + "'");
        }
    }
}
