// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static dev.mailgate.milter.codec.MilterConstants.*;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A packet the milter sends to the MTA ({@code SMFIR_*} and the negotiation reply). Encoded by
 * {@link MilterResponseEncoder} (milter side), decoded by {@link MilterResponseDecoder} (MTA side).
 *
 * <p>There are three kinds: the negotiation reply; <em>final</em> answers that end a request
 * ({@code c a r t d y s 4 f}); and end-of-message extras ({@link #isModification() modifications}
 * {@code h i m + 2 - e b q} and {@link Progress}) that precede the final answer to {@code E}.
 * Strings follow the same charset rule as {@link MilterCommand}.
 */
public sealed interface MilterResponse {

    /** {@code SMFIR_CONTINUE}. */
    Continue CONTINUE = new Continue();
    /** {@code SMFIR_ACCEPT}. */
    Accept ACCEPT = new Accept();
    /** {@code SMFIR_REJECT}. */
    Reject REJECT = new Reject();
    /** {@code SMFIR_TEMPFAIL}. */
    TempFail TEMPFAIL = new TempFail();
    /** {@code SMFIR_DISCARD}. */
    Discard DISCARD = new Discard();
    /** {@code SMFIR_SKIP}. */
    Skip SKIP = new Skip();
    /** {@code SMFIR_PROGRESS}. */
    Progress PROGRESS = new Progress();
    /** {@code SMFIR_SHUTDOWN}. */
    Shutdown SHUTDOWN = new Shutdown();
    /** {@code SMFIR_CONN_FAIL}. */
    ConnectionFailure CONNECTION_FAILURE = new ConnectionFailure();

    /** The reply code ({@code SMFIR_*}, {@code 'O'} for the negotiation reply). */
    char code();

    /** A message edit ({@code h i m + 2 - e b q}): allowed only before the final answer to {@code E}. */
    default boolean isModification() {
        return false;
    }

    /** Whether this packet answers the pending request (everything except modifications and progress). */
    default boolean isFinal() {
        return !isModification() && !(this instanceof Progress);
    }

    /**
     * The negotiation reply: version (2..6), requested actions ({@code SMFIF_*}) and protocol
     * bits ({@code SMFIP_*}), optionally followed by macro list overrides (what
     * {@code smfi_setsymlist} produces): {@code SMFIM_*} stage to a space separated list of macro
     * names, sent as {@code uint32 stage, names\0} blocks in map order. Needs {@code SMFIF_SETSYMLIST}.
     */
    record OptionNegotiationReply(int version, int actions, int protocol, Map<Integer, String> macroLists)
            implements MilterResponse {
        public OptionNegotiationReply {
            LinkedHashMap<Integer, String> copy = new LinkedHashMap<>();
            if (macroLists != null) {
                macroLists.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "stage"),
                        Checks.noNul(v, "macro list for stage " + k)));
            }
            macroLists = Collections.unmodifiableMap(copy);
        }

        /** A reply without macro list overrides. */
        public OptionNegotiationReply(int version, int actions, int protocol) {
            this(version, actions, protocol, Map.of());
        }

        @Override
        public char code() {
            return SMFIR_OPTNEG;
        }
    }

    /** {@code SMFIR_CONTINUE}: go on; at end-of-message it means accept. */
    record Continue() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_CONTINUE;
        }
    }

    /** {@code SMFIR_ACCEPT}: accept the message (the connection, if sent at CONNECT/HELO). */
    record Accept() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_ACCEPT;
        }
    }

    /** {@code SMFIR_REJECT}: 5xx with the MTA's default text. */
    record Reject() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_REJECT;
        }
    }

    /** {@code SMFIR_TEMPFAIL}: 4xx with the MTA's default text. */
    record TempFail() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_TEMPFAIL;
        }
    }

    /** {@code SMFIR_DISCARD}: accept, then silently drop the message. */
    record Discard() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_DISCARD;
        }
    }

    /**
     * {@code SMFIR_REPLYCODE}: reject (5xx) or tempfail (4xx) with this SMTP reply text, e.g.
     * {@code 550 5.7.1 Go away}; lines joined by CRLF, {@code ddd-} on all but the last line, same
     * code on every line, enhanced code class equal to the reply class, no trailing CRLF, at
     * most 32 lines. The text goes on the wire as is: a lone '%' is not escaped here (use
     * {@link #of}).
     */
    record ReplyCode(String text) implements MilterResponse {
        public ReplyCode {
            ReplyTexts.validate(text);
        }

        /**
         * Builds the text the way libmilter's {@code smfi_setmlreply} does: {@code code} 4xx/5xx,
         * {@code enhanced} like {@code 5.7.1} (null or empty: none), 1 to 32 lines of at most 980
         * characters without CR/LF; every '%' is doubled because Sendmail treats the text as a format.
         */
        public static ReplyCode of(int code, String enhanced, List<String> lines) {
            return new ReplyCode(ReplyTexts.build(code, enhanced, lines));
        }

        /** The three-digit SMTP code. */
        public int smtpCode() {
            return Integer.parseInt(text.substring(0, 3));
        }

        /** Whether this is a 4xx (tempfail) rather than a 5xx (reject). */
        public boolean isTemporary() {
            return text.charAt(0) == '4';
        }

        @Override
        public char code() {
            return SMFIR_REPLYCODE;
        }
    }

    /** {@code SMFIR_SKIP}: send no more events of this kind (portable only after a body chunk). */
    record Skip() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_SKIP;
        }
    }

    /** {@code SMFIR_PROGRESS}: keep-alive at end-of-message; resets the MTA's timeout, not final. */
    record Progress() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_PROGRESS;
        }
    }

    /** {@code SMFIR_ADDHEADER}: append a header (value with LF between folded lines, no CR). */
    record AddHeader(String name, String value) implements MilterResponse, Modification {
        public AddHeader {
            Checks.nonEmpty(name, "header name");
            Checks.noNul(value, "header value");
        }

        @Override
        public char code() {
            return SMFIR_ADDHEADER;
        }
    }

    /** {@code SMFIR_INSHEADER}: insert a header at 0-based {@code index} over all headers (0 = top). */
    record InsertHeader(int index, String name, String value) implements MilterResponse, Modification {
        public InsertHeader {
            if (index < 0) {
                throw new IllegalArgumentException("header index must be >= 0, got " + index);
            }
            Checks.nonEmpty(name, "header name");
            Checks.noNul(value, "header value");
        }

        @Override
        public char code() {
            return SMFIR_INSHEADER;
        }
    }

    /**
     * {@code SMFIR_CHGHEADER}: change the {@code index}-th (1-based, per name) occurrence of
     * {@code name}; an empty value deletes it. MTAs add the header if that occurrence is missing.
     */
    record ChangeHeader(int index, String name, String value) implements MilterResponse, Modification {
        public ChangeHeader {
            if (index < 0) {
                throw new IllegalArgumentException("header index must be >= 0, got " + index);
            }
            Checks.nonEmpty(name, "header name");
            Checks.noNul(value, "header value");
        }

        /** Deletes the {@code index}-th occurrence of {@code name}. */
        public static ChangeHeader delete(int index, String name) {
            return new ChangeHeader(index, name, "");
        }

        /** Whether this change deletes the header. */
        public boolean isDelete() {
            return value.isEmpty();
        }

        @Override
        public char code() {
            return SMFIR_CHGHEADER;
        }
    }

    /** {@code SMFIR_ADDRCPT}: add an envelope recipient. */
    record AddRecipient(String rcpt) implements MilterResponse, Modification {
        public AddRecipient {
            Checks.nonEmpty(rcpt, "recipient");
        }

        @Override
        public char code() {
            return SMFIR_ADDRCPT;
        }
    }

    /** {@code SMFIR_ADDRCPT_PAR}: add a recipient with ESMTP args (one string; empty = none, not sent). */
    record AddRecipientWithArgs(String rcpt, String esmtpArgs) implements MilterResponse, Modification {
        public AddRecipientWithArgs {
            Checks.nonEmpty(rcpt, "recipient");
            esmtpArgs = Checks.noNul(esmtpArgs == null ? "" : esmtpArgs, "ESMTP args");
        }

        @Override
        public char code() {
            return SMFIR_ADDRCPT_PAR;
        }
    }

    /** {@code SMFIR_DELRCPT}: remove a recipient, written as in its RCPT command. */
    record DeleteRecipient(String rcpt) implements MilterResponse, Modification {
        public DeleteRecipient {
            Checks.nonEmpty(rcpt, "recipient");
        }

        @Override
        public char code() {
            return SMFIR_DELRCPT;
        }
    }

    /** {@code SMFIR_CHGFROM}: replace the envelope sender; ESMTP args empty = none (not sent). */
    record ChangeFrom(String sender, String esmtpArgs) implements MilterResponse, Modification {
        public ChangeFrom {
            Checks.nonEmpty(sender, "sender");
            esmtpArgs = Checks.noNul(esmtpArgs == null ? "" : esmtpArgs, "ESMTP args");
        }

        /** A sender change without ESMTP args. */
        public ChangeFrom(String sender) {
            this(sender, "");
        }

        @Override
        public char code() {
            return SMFIR_CHGFROM;
        }
    }

    /**
     * {@code SMFIR_REPLBODY}: one chunk (at most {@code MILTER_CHUNK_SIZE} bytes) of the new body;
     * send all chunks consecutively. The array is not copied.
     */
    record ReplaceBody(byte[] chunk) implements MilterResponse, Modification {
        public ReplaceBody {
            Objects.requireNonNull(chunk, "chunk");
            if (chunk.length > MILTER_CHUNK_SIZE) {
                throw new IllegalArgumentException("body chunk of " + chunk.length + " bytes exceeds "
                        + MILTER_CHUNK_SIZE + "; use ReplaceBody.chunks()");
            }
        }

        /** Splits a new body into packets of at most {@code MILTER_CHUNK_SIZE} bytes (none if empty). */
        public static List<ReplaceBody> chunks(byte[] body) {
            return Chunks.split(body).stream().map(ReplaceBody::new).toList();
        }

        /** Reads {@code body} to its end and splits it like {@link #chunks(byte[])}; does not close it. */
        public static List<ReplaceBody> chunks(InputStream body) throws IOException {
            return Chunks.split(body).stream().map(ReplaceBody::new).toList();
        }

        @Override
        public char code() {
            return SMFIR_REPLBODY;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ReplaceBody r && Arrays.equals(chunk, r.chunk);
        }

        @Override
        public int hashCode() {
            return Checks.hash(chunk);
        }

        @Override
        public String toString() {
            return "ReplaceBody[" + Checks.describe(chunk) + "]";
        }
    }

    /** {@code SMFIR_QUARANTINE}: quarantine (Postfix: hold queue) with a non-empty reason. */
    record Quarantine(String reason) implements MilterResponse, Modification {
        public Quarantine {
            Checks.nonEmpty(reason, "quarantine reason");
        }

        @Override
        public char code() {
            return SMFIR_QUARANTINE;
        }
    }

    /** {@code SMFIR_SHUTDOWN}: 421 and close the SMTP session (Postfix only). */
    record Shutdown() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_SHUTDOWN;
        }
    }

    /** {@code SMFIR_CONN_FAIL}: defined by libmilter, handled by neither Postfix nor Sendmail. */
    record ConnectionFailure() implements MilterResponse {
        @Override
        public char code() {
            return SMFIR_CONN_FAIL;
        }
    }

    /** Marks the end-of-message edits; sealed so a switch over them is exhaustive. */
    sealed interface Modification extends MilterResponse
            permits AddHeader, InsertHeader, ChangeHeader, AddRecipient, AddRecipientWithArgs,
            DeleteRecipient, ChangeFrom, ReplaceBody, Quarantine {
        @Override
        default boolean isModification() {
            return true;
        }
    }
}
