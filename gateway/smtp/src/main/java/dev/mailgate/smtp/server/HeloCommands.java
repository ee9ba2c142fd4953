// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.smtp.codec.SmtpRequest;
import dev.mailgate.smtp.relay.Reply;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HELO and EHLO: runs onEhlo, then introduces the real client to the downstream with Postfix's
 * XCLIENT (which makes Postfix start a new session and greet again, so the client's HELO/EHLO is
 * sent after it). Once XCLIENT was accepted the downstream's session is the client's, and the
 * client's own HELO name is relayed; otherwise the downstream talks to the proxy, which greets
 * with the next hop's {@code HELOname} (as Postfix's smtpd_proxy_ehlo). It answers the client with our own capabilities: PIPELINING, SIZE, CHUNKING,
 * ENHANCEDSTATUSCODES always (CHUNKING asks nothing of the downstream: BDAT is relayed as DATA); 8BITMIME, SMTPUTF8 and DSN only when the downstream has them,
 * since their parameters are passed through to it unchanged; STARTTLS when the listener has a
 * certificate and the connection is not encrypted yet.
 */
final class HeloCommands {
    private static final Logger LOG = LoggerFactory.getLogger(HeloCommands.class);

    private final ProxySession s;
    private boolean xclientSent;
    /** The downstream took XCLIENT: its session now stands for the client's. */
    private boolean xclientAccepted;
    private Reply downstreamEhlo;

    HeloCommands(ProxySession s) {
        this.s = s;
    }

    CompletableFuture<After> hello(SmtpRequest.Command c, boolean ehlo) {
        String name = c.argument().strip();
        if (name.isEmpty() || name.contains(" ")) return s.answer("501 5.5.4 Syntax: " + c.verb() + " hostname\r\n");
        CompletableFuture<Void> reset = CompletableFuture.completedFuture(null);
        // EHLO resets like RSET: a failed BDAT's reply no longer repeats (RFC 3030 section 3)
        s.envelope.chunkFailure = null;
        if (s.envelope.inTransaction) {
            // RFC 5321 4.1.4: a second EHLO ends the transaction, here and downstream
            s.envelope.clear();
            reset = s.dispatch(new SessionEvent.Reset()).thenCompose(r -> s.downstream.command("RSET")).thenApply(r -> null);
        }
        s.tlsBeforeEhlo();
        return reset.thenCompose(x -> s.dispatch(new SessionEvent.Ehlo(name, ehlo))).thenCompose(r -> {
            if (Replies.isRefusal(r.verdict())) {
                if (Replies.disconnects(r.verdict())) {
                    s.close(Replies.refusal(r.verdict()));
                    return CompletableFuture.completedFuture(After.CLOSE);
                }
                return s.answer(Replies.refusal(r.verdict()));
            }
            return introduce(name, ehlo).thenCompose(x -> s.downstream.command((ehlo ? "EHLO " : "HELO ")
                    + (xclientAccepted ? name : s.nextHop.heloName()))).thenApply(reply -> {
                if (!reply.isPositive()) {
                    s.reply(reply.toWire());
                    return After.NEXT_COMMAND;
                }
                s.heloName = name;
                if (ehlo) downstreamEhlo = reply;
                // HELO lists no extensions: AUTH is for EHLO clients only (RFC 4954 4)
                s.auth.downstreamOffers(ehlo ? reply : new Reply(250, java.util.List.of(s.settings.hostname())));
                s.reply(ehlo ? capabilities() : "250 " + s.settings.hostname() + "\r\n");
                return After.NEXT_COMMAND;
            });
        });
    }

    /** XCLIENT once per session; a downstream that refuses it still gets the mail, with our address. */
    private CompletableFuture<Void> introduce(String helo, boolean ehlo) {
        if (!s.settings.xclient() || xclientSent) return CompletableFuture.completedFuture(null);
        xclientSent = true;
        return s.downstream.command(xclient(s.client, s.local, helo, ehlo)).thenAccept(r -> {
            xclientAccepted = r.code() == 220;
            if (!xclientAccepted) {
                LOG.warn("downstream {} refused XCLIENT ({}); it will see the proxy as the client. Postfix needs "
                        + "smtpd_authorized_xclient_hosts to include this host", s.downstreamName(), r);
            }
        });
    }

    /** Postfix XCLIENT with the real client's facts; values are xtext (RFC 3461) encoded. */
    static String xclient(InetSocketAddress client, InetSocketAddress local, String helo, boolean ehlo) {
        String addr = client.getAddress() instanceof Inet6Address ? "IPV6:" + client.getAddress().getHostAddress() : client.getAddress().getHostAddress();
        String dest = local.getAddress() instanceof Inet6Address ? "IPV6:" + local.getAddress().getHostAddress() : local.getAddress().getHostAddress();
        // NAME: no PTR lookup in the proxy; Postfix then applies its unknown-client rules
        return "XCLIENT ADDR=" + xtext(addr) + " NAME=[UNAVAILABLE] PORT=" + client.getPort()
                + " PROTO=" + (ehlo ? "ESMTP" : "SMTP") + " HELO=" + xtext(helo)
                + " DESTADDR=" + xtext(dest) + " DESTPORT=" + local.getPort();
    }

    static String xtext(String value) {
        StringBuilder sb = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 33 || c > 126 || c == '+' || c == '=') sb.append('+').append(String.format("%02X", c));
            else sb.append((char) c);
        }
        return sb.toString();
    }

    /** STARTTLS succeeded: the downstream's EHLO answer is asked again at the client's next EHLO. */
    void reset() {
        downstreamEhlo = null;
    }

    private String capabilities() {
        StringBuilder sb = new StringBuilder();
        sb.append("250-").append(s.settings.hostname()).append("\r\n");
        sb.append("250-PIPELINING\r\n");
        sb.append("250-SIZE ").append(s.settings.maxDataSize()).append("\r\n");
        sb.append("250-CHUNKING\r\n");
        for (String ext : new String[] {"8BITMIME", "SMTPUTF8", "DSN"}) {
            if (downstreamEhlo != null && downstreamEhlo.hasKeyword(ext)) sb.append("250-").append(ext).append("\r\n");
        }
        if (s.tlsOffered()) sb.append("250-STARTTLS\r\n");
        String auth = s.auth.capability();
        if (auth != null) sb.append("250-").append(auth).append("\r\n");
        sb.append("250 ENHANCEDSTATUSCODES\r\n");
        return sb.toString();
    }
}
