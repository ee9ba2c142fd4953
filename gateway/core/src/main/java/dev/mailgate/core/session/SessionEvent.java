// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.Stage;
import java.util.List;

/**
 * What a front end tells the session, already decoded from milter or SMTP. Addresses are given
 * exactly as the client wrote them (normally with angle brackets).
 */
public sealed interface SessionEvent {
    /** The stage this event runs, or null for events that only feed data (headers). */
    Stage stage();

    /**
     * A client connected.
     *
     * @param hostname      the client's name as the MTA resolved it ("[ip]" if unknown)
     * @param address       IP address text, empty for unix sockets and unknown families
     * @param port          client port, 0 if unknown
     * @param localAddress  address the client connected to, empty if unknown
     * @param localPort     port the client connected to, 0 if unknown
     */
    record Connect(String hostname, String address, int port, String localAddress, int localPort) implements SessionEvent {
        public Stage stage() { return Stage.CONNECT; }
    }

    /**
     * SMTP proxy: the client was let in and the downstream connection is about to be opened
     * (onRelay). The fields are the listener's defaults; rules and filters may change them through
     * the next-hop variables, which the proxy reads back once the stage answered.
     *
     * @param host          next hop's host name or IP address
     * @param port          next hop's TCP port
     * @param tryTls        STARTTLS when the next hop offers it
     * @param forceTls      STARTTLS must succeed
     * @param verifyCert    the certificate chain must verify
     * @param checkCertName the certificate must name {@code host}
     * @param heloName      what the proxy says in EHLO when it speaks for itself
     */
    record Relay(String host, int port, boolean tryTls, boolean forceTls, boolean verifyCert, boolean checkCertName,
                 String heloName) implements SessionEvent {
        public Stage stage() { return Stage.RELAY; }
    }

    record Ehlo(String name, boolean esmtp) implements SessionEvent {
        public Stage stage() { return Stage.EHLO; }
    }

    record MailFrom(String address, List<String> params) implements SessionEvent {
        public MailFrom { params = List.copyOf(params); }
        public Stage stage() { return Stage.MAIL_FROM; }
    }

    record RcptTo(String address, List<String> params) implements SessionEvent {
        public RcptTo { params = List.copyOf(params); }
        public Stage stage() { return Stage.RCPT_TO; }
    }

    record Data() implements SessionEvent {
        public Stage stage() { return Stage.DATA; }
    }

    /** One header; no verdict is asked for it (decisions come at EndOfHeaders). */
    record Header(String name, String value) implements SessionEvent {
        public Stage stage() { return null; }
    }

    record EndOfHeaders() implements SessionEvent {
        public Stage stage() { return Stage.HEADERS_RECEIVED; }
    }

    record BodyChunk(byte[] data) implements SessionEvent {
        public Stage stage() { return Stage.BODY_CHUNK; }
    }

    record EndOfData() implements SessionEvent {
        public Stage stage() { return Stage.DATA_RECEIVED; }
    }

    /**
     * SMTP proxy: the downstream MTA refused a command with 4xx / 5xx (onTemporaryDeliveryFailure /
     * onDeliveryFailure). A reject or tempreject verdict, or an smtpExplanation left set by a rule,
     * is the text the client gets instead of the downstream's; anything else relays it unchanged.
     *
     * @param command AUTH, MAIL, RCPT, DATA or END-OF-DATA
     * @param code    the downstream's reply code (400..599)
     * @param reply   the downstream's reply, one line per reply line, each "NNN text"
     */
    record DeliveryFailure(String command, int code, String reply) implements SessionEvent {
        public DeliveryFailure {
            if (code < 400 || code > 599) throw new IllegalArgumentException("not a failure: " + code);
        }

        public Stage stage() { return code >= 500 ? Stage.DELIVERY_FAILURE : Stage.TEMPORARY_DELIVERY_FAILURE; }
    }

    record Reset() implements SessionEvent {
        public Stage stage() { return Stage.RESET; }
    }

    record Disconnect() implements SessionEvent {
        public Stage stage() { return Stage.DISCONNECT; }
    }
}
