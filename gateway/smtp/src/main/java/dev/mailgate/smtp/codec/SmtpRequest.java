// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import java.util.Locale;

/**
 * What {@link SmtpServerDecoder} produces: a command line, a piece of message content, the end of
 * a DATA message, or the end of a BDAT chunk.
 */
public sealed interface SmtpRequest {

    /**
     * One command line without its CRLF.
     *
     * @param verb     upper-cased first word ("MAIL", "EHLO")
     * @param argument the rest after the first space, unchanged (may be empty)
     * @param text     the whole line exactly as received: a SASL response (RFC 4954) is base64,
     *                 where case matters. Not part of equality: two lines are the same command
     *                 whatever the case of their verb.
     */
    record Command(String verb, String argument, String text) implements SmtpRequest {
        public Command(String verb, String argument) {
            this(verb, argument, argument.isEmpty() ? verb : verb + " " + argument);
        }

        public static Command parse(String line) {
            int sp = line.indexOf(' ');
            String verb = (sp < 0 ? line : line.substring(0, sp)).toUpperCase(Locale.ROOT);
            return new Command(verb, sp < 0 ? "" : line.substring(sp + 1), line);
        }

        /** The line as the client wrote it (verb normalised to upper case). */
        public String line() {
            return argument.isEmpty() ? verb : verb + " " + argument;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Command c && verb.equals(c.verb) && argument.equals(c.argument);
        }

        @Override
        public int hashCode() {
            return verb.hashCode() * 31 + argument.hashCode();
        }

        @Override
        public String toString() {
            // never the text: it may be a password (AUTH PLAIN's initial response)
            return "Command[" + verb + "]";
        }
    }

    /**
     * Message content; the receiver releases it. After DATA: dot-stuffing removed, CRLF line ends
     * checked. After BDAT: the octets exactly as sent.
     */
    final class Content extends DefaultByteBufHolder implements SmtpRequest {
        public Content(ByteBuf data) {
            super(data);
        }
    }

    /** The final {@code <CRLF>.<CRLF>} of the message was seen. */
    record EndOfData() implements SmtpRequest {
        public static final EndOfData INSTANCE = new EndOfData();
    }

    /** The last octet announced by a BDAT command was read. */
    record EndOfChunk() implements SmtpRequest {
        public static final EndOfChunk INSTANCE = new EndOfChunk();
    }
}
