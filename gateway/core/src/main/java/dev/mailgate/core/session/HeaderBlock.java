// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static dev.mailgate.api.StandardVars.HEADER_COUNT;
import static dev.mailgate.api.StandardVars.MESSAGE_ID;
import static dev.mailgate.api.StandardVars.RECEIVED_COUNT;
import static dev.mailgate.api.StandardVars.SUBJECT;

import dev.mailgate.api.HeaderField;
import java.util.ArrayList;
import java.util.List;

/**
 * One message's header fields as they arrive, kept until the end of data for rules, filters and
 * header edits, within {@code message.maxHeaderSize}: past it the fields are only counted, and the
 * message is refused.
 */
final class HeaderBlock {
    private final long maxSize;
    private final List<HeaderField> fields = new ArrayList<>();
    private long bytes;
    private boolean tooBig;

    HeaderBlock(long maxSize) {
        this.maxSize = maxSize;
    }

    void add(String name, String value) {
        bytes += name.length() + 2 + value.length() + 2;
        if (bytes > maxSize) tooBig = true;
        else fields.add(new HeaderField(name, value));
    }

    /** The fields kept (all of them unless {@link #tooBig()}); the caller must not change the list. */
    List<HeaderField> fields() {
        return fields;
    }

    /** Octets of the header block as received ("Name: value" CRLF per field). */
    long bytes() {
        return bytes;
    }

    boolean tooBig() {
        return tooBig;
    }

    /** The variables the end of the headers makes known: receivedCount, headerCount, subject, messageId. */
    void publish(VarStore vars) {
        vars.set(RECEIVED_COUNT, fields.stream().filter(h -> h.hasName("Received")).count());
        vars.set(HEADER_COUNT, (long) fields.size());
        fields.stream().filter(h -> h.hasName("Subject")).findFirst().ifPresent(h -> vars.set(SUBJECT, h.unfolded()));
        fields.stream().filter(h -> h.hasName("Message-Id")).findFirst().ifPresent(h -> vars.set(MESSAGE_ID, h.unfolded()));
    }

    void clear() {
        fields.clear();
        bytes = 0;
        tooBig = false;
    }
}
