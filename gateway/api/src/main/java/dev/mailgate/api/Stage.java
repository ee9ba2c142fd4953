// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.util.Arrays;
import java.util.Optional;

/**
 * The stages of an SMTP session, in protocol order. The event name ({@code onConnect} ...) is the
 * same word in Java, in the YAML policy, in logs and in the docs.
 *
 * <p>{@link #RELAY}, {@link #DELIVERY_FAILURE} and {@link #TEMPORARY_DELIVERY_FAILURE} are the
 * outbound events of the SMTP proxy (the milter front end never fires them). The proxy opens its
 * downstream connection once per client session, right after onConnect, so {@link #RELAY} sorts
 * there and reads what onConnect reads. The two failure events come after the message's stages,
 * so they may read every variable of the transaction. None of them is part of
 * {@link #isTransaction()}: a rule there cannot edit the message.
 *
 * <p>{@link #RESET} and {@link #DISCONNECT} are lifecycle events: they may come at any point, so
 * they sort last and may read every variable (which may then be empty).
 */
public enum Stage {
    /** Client connected (milter {@code C}, SMTP accept). */
    CONNECT("onConnect"),
    /**
     * SMTP proxy only: after onConnect let the client in, before the downstream connection is
     * opened. Rules and filters choose the next hop and how to talk to it ({@code relayHost},
     * {@code relayPort}, {@code tryTLS}, {@code forceTLS}, {@code verifyCert}, {@code checkCertName},
     * {@code HELOname}); a reject or tempreject refuses the client as at onConnect.
     */
    RELAY("onRelay"),
    /** HELO or EHLO (milter {@code H}); may repeat, e.g. after STARTTLS. */
    EHLO("onEhlo"),
    /** MAIL FROM (milter {@code M}). */
    MAIL_FROM("onMailFrom"),
    /** RCPT TO, once per recipient (milter {@code R}); a reject here refuses this recipient only. */
    RCPT_TO("onRcptTo"),
    /** DATA command (milter {@code T}): last point before content. */
    DATA("onData"),
    /** All headers received (milter {@code L}... then {@code N}). */
    HEADERS_RECEIVED("onHeadersReceived"),
    /** One piece of the body (milter {@code B}, at most 64 KiB). */
    BODY_CHUNK("onBodyChunk"),
    /** End of message (milter {@code E}): the only stage where modifications may be applied. */
    DATA_RECEIVED("onDataReceived"),
    /**
     * SMTP proxy only: the downstream MTA answered 5xx to MAIL, RCPT or the end of data. A rule
     * may change the text the client gets (reject with a reply, or smtpExplanation), log, score.
     */
    DELIVERY_FAILURE("onDeliveryFailure"),
    /** SMTP proxy only: as {@link #DELIVERY_FAILURE}, for a 4xx answer. */
    TEMPORARY_DELIVERY_FAILURE("onTemporaryDeliveryFailure"),
    /** Transaction aborted or finished (milter {@code A}, SMTP RSET / new MAIL). */
    RESET("onReset"),
    /** Session over (milter {@code Q}, SMTP QUIT / EOF). */
    DISCONNECT("onDisconnect");

    private final String eventName;

    Stage(String eventName) {
        this.eventName = eventName;
    }

    /** The event name used in YAML and logs, e.g. {@code onMailFrom}. */
    public String eventName() {
        return eventName;
    }

    /** True for the stages that belong to one message (MAIL FROM to end of data). */
    public boolean isTransaction() {
        return compareTo(MAIL_FROM) >= 0 && compareTo(DATA_RECEIVED) <= 0;
    }

    /** The stage whose event name is {@code name}, if any. */
    public static Optional<Stage> byEventName(String name) {
        return Arrays.stream(values()).filter(s -> s.eventName.equals(name)).findFirst();
    }

    @Override
    public String toString() {
        return eventName;
    }
}
