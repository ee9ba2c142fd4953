// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.policy.SmtpProxySettings;
import dev.mailgate.smtp.codec.SmtpRequest;
import dev.mailgate.smtp.relay.Reply;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * AUTH (RFC 4954) with {@code auth: passthrough}: the proxy checks no password itself, it relays
 * the exchange to the downstream, which does. EHLO lists the downstream's own mechanisms, those
 * the proxy can relay ({@link SaslLogin#relayable}), and with {@code authTlsOnly} (the default)
 * only on a client connection encrypted with STARTTLS, like Postfix's smtpd_tls_auth_only: a
 * password in clear text must not cross the network. The exchange goes line by line: the
 * downstream's 334 challenges to the client, the client's base64 answers (or "*" to cancel) to
 * the downstream, at most {@link #MAX_CHALLENGES} rounds, each line bounded by the decoder's
 * {@code maxLineLength}. The downstream's 235 records the login as the milter macros
 * {@code {auth_authen}} and {@code {auth_type}}, which the core maps onto {@code authUser} from
 * onMailFrom on, exactly as for a Postfix milter session; any other answer goes to the client as
 * the downstream's refusals of MAIL and RCPT do (onDeliveryFailure / onTemporaryDeliveryFailure
 * first, with {@code deliveryCommand} AUTH). The client's lines are never logged.
 */
final class AuthCommands {
    private static final Logger LOG = LoggerFactory.getLogger(AuthCommands.class);
    /** SCRAM needs 2 rounds, LOGIN 2, CRAM-MD5 1: anything near this limit is not a login. */
    static final int MAX_CHALLENGES = 8;

    private final ProxySession s;
    /** The downstream's mechanisms the proxy can relay, from its last EHLO answer. */
    private List<String> offered = List.of();
    /** The mechanism of the exchange in progress, or null between exchanges. */
    private String mechanism;
    private int challenges;
    private int clientMessages;
    private String candidate;
    private String login;

    AuthCommands(ProxySession s) {
        this.s = s;
    }

    /** The downstream answered EHLO: which of its mechanisms may be offered to the client. */
    void downstreamOffers(Reply ehlo) {
        offered = ehlo.lines().stream()
                .filter(l -> l.regionMatches(true, 0, "AUTH ", 0, 5))
                .findFirst()
                .map(l -> List.of(l.substring(5).strip().toUpperCase(Locale.ROOT).split("\\s+")).stream()
                        .filter(SaslLogin::relayable).distinct().toList())
                .orElse(List.of());
    }

    /** The EHLO line to offer, e.g. "AUTH PLAIN LOGIN", or null when AUTH is not offered now. */
    String capability() {
        return usable() && login == null ? "AUTH " + String.join(" ", offered) : null;
    }

    private boolean usable() {
        return s.settings.auth() == SmtpProxySettings.Auth.PASSTHROUGH && !offered.isEmpty() && (s.tlsActive() || !s.settings.authTlsOnly());
    }

    /** Between a 334 and the client's answer to it: the next line is that answer, not a command. */
    boolean inExchange() {
        return mechanism != null;
    }

    boolean authenticated() {
        return login != null;
    }

    CompletableFuture<After> auth(SmtpRequest.Command c) {
        if (s.settings.auth() != SmtpProxySettings.Auth.PASSTHROUGH) return s.answer("502 5.5.1 Error: command not implemented\r\n");
        if (s.heloName == null) return s.answer("503 5.5.1 Error: send HELO/EHLO first\r\n");
        if (login != null) return s.answer("503 5.5.1 Error: already authenticated\r\n");
        if (s.envelope.inTransaction) return s.answer("503 5.5.1 Error: MAIL transaction in progress\r\n");
        if (s.settings.authTlsOnly() && !s.tlsActive()) {
            return s.answer(s.tlsOffered() ? "530 5.7.0 Must issue a STARTTLS command first\r\n" : "503 5.5.1 Error: authentication not enabled\r\n");
        }
        if (!usable()) return s.answer("503 5.5.1 Error: authentication not enabled\r\n");
        String[] words = c.argument().strip().split(" ", -1);
        if (words.length > 2 || words[0].isEmpty()) return s.answer("501 5.5.4 Syntax: AUTH mechanism [initial-response]\r\n");
        String mech = words[0].toUpperCase(Locale.ROOT);
        if (!offered.contains(mech)) return s.answer("504 5.5.4 Unrecognized authentication type\r\n");
        // the argument keeps the client's case (only the verb is upper-cased): the initial response is base64
        String initial = words.length == 2 ? words[1] : null;
        if (initial != null && !SaslLogin.isBase64(initial)) return s.answer("501 5.5.2 Cannot decode response\r\n");
        mechanism = mech;
        challenges = 0;
        clientMessages = 0;
        candidate = null;
        if (initial != null) clientMessage(initial);
        return s.downstream.command("AUTH " + mech + (initial == null ? "" : " " + initial)).thenCompose(this::downstreamSaid);
    }

    /** The client's answer to a 334: relayed as it is, or "*" cancels. */
    CompletableFuture<After> response(SmtpRequest.Command c) {
        String line = c.text().strip();
        if (!line.equals("*") && !SaslLogin.isBase64(line)) {
            // cancel downstream, whatever it answers: the client sent something that is no SASL message
            return s.downstream.command("*").thenApply(r -> {
                mechanism = null;
                s.reply("501 5.5.2 Cannot decode response\r\n");
                return After.NEXT_COMMAND;
            });
        }
        if (!line.equals("*")) clientMessage(line);
        return s.downstream.command(line).thenCompose(this::downstreamSaid);
    }

    private void clientMessage(String message) {
        if (candidate == null) candidate = SaslLogin.from(mechanism, clientMessages, message);
        clientMessages++;
    }

    private CompletableFuture<After> downstreamSaid(Reply r) {
        if (r.code() == 334) {
            if (++challenges > MAX_CHALLENGES || r.lines().size() != 1) {
                LOG.info("session={} client={} AUTH {}: {}; cancelled", s.session.sessionId(), s.client, mechanism,
                        r.lines().size() != 1 ? "multi-line challenge from the downstream" : "more than " + MAX_CHALLENGES + " challenges");
                return s.downstream.command("*").thenApply(x -> {
                    mechanism = null;
                    s.reply("501 5.7.0 Error: authentication aborted\r\n");
                    return After.NEXT_COMMAND;
                });
            }
            return s.answer(r.toWire());
        }
        String mech = mechanism;
        mechanism = null;
        if (r.code() == 235) {
            login = candidate == null ? "" : candidate;
            s.macros.authenticated(login, mech);
            if (candidate == null) {
                LOG.warn("session={} client={} AUTH {} accepted by the downstream, but its messages named no login; authUser stays empty",
                        s.session.sessionId(), s.client, mech);
            } else {
                LOG.info("session={} client={} authenticated as {} ({})", s.session.sessionId(), s.client, login, mech);
            }
            return s.answer(r.toWire());
        }
        LOG.info("session={} client={} AUTH {} refused by the downstream: {}", s.session.sessionId(), s.client, mech, r);
        return s.relayReply("AUTH", r);
    }
}
