// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static dev.mailgate.milter.codec.MilterConstants.*;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A packet the MTA sends to the milter ({@code SMFIC_*}). Decoded by {@link MilterCommandDecoder}
 * (milter side) and encoded by {@link MilterCommandEncoder} (MTA side).
 *
 * <p><b>Strings</b> (host names, addresses, header names and values, macro names and values) are
 * NUL-terminated byte strings on the wire without a declared charset. The codecs decode them as
 * UTF-8 by default, replacing malformed sequences with U+FFFD, because that is what shows 8-bit
 * header text correctly in practice; this is lossy for non-UTF-8 8-bit bytes. A codec built with
 * {@link java.nio.charset.StandardCharsets#ISO_8859_1} maps every byte to one char instead and
 * round-trips any byte string exactly (use it to relay packets unchanged). Strings must not
 * contain NUL; the records refuse it. Body bytes ({@link BodyChunk}, {@link EndOfMessage}) are
 * never decoded.
 *
 * <p>Byte arrays held by records are not copied, for throughput; do not modify them after
 * handing them over. {@code equals} compares their content.
 */
public sealed interface MilterCommand {

    /** {@code SMFIC_DATA} has no payload: a shared instance. */
    Data DATA = new Data();
    /** {@code SMFIC_EOH}: a shared instance. */
    EndOfHeaders END_OF_HEADERS = new EndOfHeaders();
    /** {@code SMFIC_BODYEOB} without a final chunk, as Postfix and Sendmail send it. */
    EndOfMessage END_OF_MESSAGE = new EndOfMessage(new byte[0]);
    /** {@code SMFIC_ABORT}: a shared instance. */
    Abort ABORT = new Abort();
    /** {@code SMFIC_QUIT}: a shared instance. */
    Quit QUIT = new Quit();
    /** {@code SMFIC_QUIT_NC}: a shared instance. */
    QuitNoClose QUIT_NO_CLOSE = new QuitNoClose();

    /** The command code ({@code SMFIC_*}). */
    char code();

    /** Whether the milter answers this command given the negotiated {@code SMFIP_*} bits. */
    default boolean expectsReply(int negotiatedProtocol) {
        return MilterConstants.expectsReply(code(), negotiatedProtocol);
    }

    /** {@code SMFIC_OPTNEG}: the MTA's version and the actions and protocol steps it offers. */
    record OptionNegotiation(int version, int actions, int protocol) implements MilterCommand {
        @Override
        public char code() {
            return SMFIC_OPTNEG;
        }
    }

    /**
     * {@code SMFIC_MACRO}: macros for the command letter {@code stage} (e.g. {@code 'C'}); the map
     * keeps wire order and is unmodifiable. Names are as sent ({@code j}, {@code {daemon_name}}).
     */
    record MacroDefinition(char stage, Map<String, String> macros) implements MilterCommand {
        public MacroDefinition {
            Checks.oneByte(stage, "macro stage");
            LinkedHashMap<String, String> copy = new LinkedHashMap<>();
            Objects.requireNonNull(macros, "macros").forEach((k, v) -> copy.put(
                    Checks.noNul(k, "macro name"), Checks.noNul(v, "value of macro " + k)));
            macros = Collections.unmodifiableMap(copy);
        }

        /** Looks a macro up the way libmilter does: {@code x} and {@code {x}} are the same name. */
        public String get(String name) {
            String v = macros.get(name);
            if (v != null) {
                return v;
            }
            boolean braced = name.length() > 2 && name.startsWith("{") && name.endsWith("}");
            return macros.get(braced ? name.substring(1, name.length() - 1) : "{" + name + "}");
        }

        @Override
        public char code() {
            return SMFIC_MACRO;
        }
    }

    /**
     * {@code SMFIC_CONNECT}. {@code family} is {@code '4'}, {@code '6'}, {@code 'L'} (Unix socket:
     * port 0, address = path) or {@code 'U'} (unknown: port 0 and address "" — nothing of them is
     * sent). {@code port} is the client's source port.
     */
    record Connect(String hostname, char family, int port, String address) implements MilterCommand {
        public Connect {
            Checks.noNul(hostname, "hostname");
            Checks.noNul(address, "address");
            switch (family) {
                case SMFIA_INET, SMFIA_INET6, SMFIA_UNIX -> { }
                case SMFIA_UNKNOWN -> {
                    if (port != 0 || !address.isEmpty()) {
                        throw new IllegalArgumentException("family 'U' carries no port or address");
                    }
                }
                default -> throw new IllegalArgumentException("unknown connect family '" + family + "'");
            }
            if (port < 0 || port > 0xFFFF) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
        }

        /** A connection of unknown family ({@code SMFIA_UNKNOWN}). */
        public static Connect unknown(String hostname) {
            return new Connect(hostname, SMFIA_UNKNOWN, 0, "");
        }

        @Override
        public char code() {
            return SMFIC_CONNECT;
        }
    }

    /** {@code SMFIC_HELO}: the HELO/EHLO argument. */
    record Helo(String name) implements MilterCommand {
        public Helo {
            Checks.noNul(name, "helo name");
        }

        @Override
        public char code() {
            return SMFIC_HELO;
        }
    }

    /**
     * {@code SMFIC_MAIL}: {@code args.get(0)} is the sender exactly as sent (normally {@code <a@b>},
     * {@code <>} for the null sender), the rest are ESMTP parameters ({@code SIZE=10}).
     */
    record MailFrom(List<String> args) implements MilterCommand {
        public MailFrom {
            args = argv(args, "MAIL");
        }

        /** Convenience: sender plus parameters. */
        public static MailFrom of(String sender, String... esmtpParams) {
            return new MailFrom(concat(sender, esmtpParams));
        }

        /** The sender as sent, with its angle brackets. */
        public String sender() {
            return args.get(0);
        }

        /** The ESMTP parameters, possibly empty. */
        public List<String> esmtpParams() {
            return args.subList(1, args.size());
        }

        @Override
        public char code() {
            return SMFIC_MAIL;
        }
    }

    /** {@code SMFIC_RCPT}: {@code args.get(0)} is the recipient as sent, the rest ESMTP parameters. */
    record RcptTo(List<String> args) implements MilterCommand {
        public RcptTo {
            args = argv(args, "RCPT");
        }

        /** Convenience: recipient plus parameters. */
        public static RcptTo of(String recipient, String... esmtpParams) {
            return new RcptTo(concat(recipient, esmtpParams));
        }

        /** The recipient as sent, with its angle brackets. */
        public String recipient() {
            return args.get(0);
        }

        /** The ESMTP parameters, possibly empty. */
        public List<String> esmtpParams() {
            return args.subList(1, args.size());
        }

        @Override
        public char code() {
            return SMFIC_RCPT;
        }
    }

    /** {@code SMFIC_DATA}. */
    record Data() implements MilterCommand {
        @Override
        public char code() {
            return SMFIC_DATA;
        }
    }

    /**
     * {@code SMFIC_HEADER}: name without the colon; value as the MTA sent it (one leading space
     * removed unless {@code SMFIP_HDR_LEADSPC}; folded lines joined by a bare LF).
     */
    record Header(String name, String value) implements MilterCommand {
        public Header {
            Checks.noNul(name, "header name");
            Checks.noNul(value, "header value");
        }

        @Override
        public char code() {
            return SMFIC_HEADER;
        }
    }

    /** {@code SMFIC_EOH}. */
    record EndOfHeaders() implements MilterCommand {
        @Override
        public char code() {
            return SMFIC_EOH;
        }
    }

    /** {@code SMFIC_BODY}: raw body bytes (CRLF line ends, dot-unstuffed), at most 65535 from real MTAs. */
    record BodyChunk(byte[] data) implements MilterCommand {
        public BodyChunk {
            Objects.requireNonNull(data, "data");
        }

        /** Splits a body into {@code SMFIC_BODY} packets of at most {@code MILTER_CHUNK_SIZE} bytes. */
        public static List<BodyChunk> chunks(byte[] body) {
            return Chunks.split(body).stream().map(BodyChunk::new).toList();
        }

        @Override
        public char code() {
            return SMFIC_BODY;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BodyChunk b && Arrays.equals(data, b.data);
        }

        @Override
        public int hashCode() {
            return Checks.hash(data);
        }

        @Override
        public String toString() {
            return "BodyChunk[" + Checks.describe(data) + "]";
        }
    }

    /**
     * {@code SMFIC_BODYEOB}: end of message. {@code data} is normally empty; libmilter treats a
     * non-empty payload as a last body chunk, so a server must process it before end-of-message.
     */
    record EndOfMessage(byte[] data) implements MilterCommand {
        public EndOfMessage {
            Objects.requireNonNull(data, "data");
        }

        @Override
        public char code() {
            return SMFIC_BODYEOB;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof EndOfMessage e && Arrays.equals(data, e.data);
        }

        @Override
        public int hashCode() {
            return Checks.hash(data);
        }

        @Override
        public String toString() {
            return "EndOfMessage[" + Checks.describe(data) + "]";
        }
    }

    /** {@code SMFIC_ABORT}: forget the current message; never answered, legal in any state. */
    record Abort() implements MilterCommand {
        @Override
        public char code() {
            return SMFIC_ABORT;
        }
    }

    /** {@code SMFIC_QUIT}: the session is over; never answered, the MTA closes the connection. */
    record Quit() implements MilterCommand {
        @Override
        public char code() {
            return SMFIC_QUIT;
        }
    }

    /** {@code SMFIC_QUIT_NC}: session over, connection kept; the next command is a new CONNECT. */
    record QuitNoClose() implements MilterCommand {
        @Override
        public char code() {
            return SMFIC_QUIT_NC;
        }
    }

    /** {@code SMFIC_UNKNOWN}: an SMTP command the MTA did not recognise (Postfix: the command word). */
    record Unknown(String command) implements MilterCommand {
        public Unknown {
            Checks.noNul(command, "command");
        }

        @Override
        public char code() {
            return SMFIC_UNKNOWN;
        }
    }

    private static List<String> argv(List<String> args, String what) {
        Objects.requireNonNull(args, what + " args");
        if (args.isEmpty()) {
            throw new IllegalArgumentException(what + " needs at least the address argument");
        }
        for (String a : args) {
            Checks.noNul(a, what + " argument");
        }
        return List.copyOf(args);
    }

    private static List<String> concat(String first, String... rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return Arrays.asList(all);
    }
}
