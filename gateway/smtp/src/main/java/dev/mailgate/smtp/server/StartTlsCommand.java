// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.smtp.codec.SmtpRequest;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STARTTLS (RFC 3207) towards the client. After "220" the SslHandler goes in front of the decoder
 * before anything more is read, and whatever the client pipelined behind STARTTLS is thrown away
 * unread: it arrived in plain text and may have been injected by a man in the middle (the
 * STARTTLS command injection of CVE-2011-0411 and its 2021 relatives). The session then returns
 * to its state before EHLO: the client must greet again, and onEhlo runs again with
 * {@code isSSLConnection} and {@code tlsVersion} set, as Postfix does for its milters.
 */
final class StartTlsCommand {
    private static final Logger LOG = LoggerFactory.getLogger(StartTlsCommand.class);

    private final ProxySession s;
    private final SslContext context;
    private boolean active;

    /** @param context the listener's server context, or null when STARTTLS is not offered */
    StartTlsCommand(ProxySession s, SslContext context) {
        this.s = s;
        this.context = context;
    }

    /** True when EHLO should list STARTTLS: configured, and not in TLS already. */
    boolean offered() {
        return context != null && !active;
    }

    boolean active() {
        return active;
    }

    CompletableFuture<After> starttls(SmtpRequest.Command c) {
        if (context == null) return s.answer("502 5.5.1 Error: command not implemented\r\n");
        if (active) return s.answer("554 5.5.1 Error: TLS already active\r\n");
        if (!c.argument().isBlank()) return s.answer("501 5.5.4 Syntax: STARTTLS\r\n");
        if (s.heloName == null) return s.answer("503 5.5.1 Error: send EHLO first\r\n");
        if (s.envelope.inTransaction) return s.answer("503 5.5.1 Error: MAIL transaction in progress\r\n");
        // the downstream's session is authenticated and cannot forget it, so TLS must come first (RFC 3207 4.2)
        if (s.auth.authenticated()) return s.answer("503 5.5.1 Error: STARTTLS after AUTH is not possible\r\n");
        int dropped = s.decoder.discardBuffered();
        if (dropped > 0) {
            LOG.warn("session={} client={} pipelined {} bytes after STARTTLS; discarded (RFC 3207 section 6)",
                    s.session.sessionId(), s.client, dropped);
        }
        // on the event loop the 220 passes the pipeline's outbound side before the SslHandler is
        // added, so it goes out in plain text and nothing after it does
        s.reply("220 2.0.0 Ready to start TLS\r\n");
        s.ctx.pipeline().addBefore("decoder", "tls", context.newHandler(s.ctx.alloc()));
        active = true;
        s.resetHelo();
        // nothing else to forget: no transaction is open (checked above), and the pipeline learns
        // of the new state at the client's next EHLO
        return CompletableFuture.completedFuture(After.NEXT_COMMAND);
    }

    /** The handshake ended: drop a client that failed it, log the protocol of one that did not. */
    void handshakeDone(SslHandshakeCompletionEvent e) {
        if (!e.isSuccess()) {
            // no reply is possible: the channel is neither plain text nor TLS any more
            LOG.info("client={} TLS handshake failed: {}", s.client, e.cause().toString());
            s.abort();
            return;
        }
        SslHandler h = s.ctx.pipeline().get(SslHandler.class);
        LOG.debug("session={} client={} TLS established: {} {}", s.session.sessionId(), s.client,
                h.engine().getSession().getProtocol(), h.engine().getSession().getCipherSuite());
    }

    /**
     * Called on the event loop before onEhlo runs: exposes the protocol as {@code {tls_version}}.
     * Read here rather than from the handshake event because the client's EHLO may be decrypted
     * in the same read as the end of the handshake, and it is surely complete once a command
     * arrived through TLS.
     */
    void beforeEhlo() {
        if (!active) return;
        SslHandler h = s.ctx.pipeline().get(SslHandler.class);
        if (h != null && h.handshakeFuture().isSuccess()) s.macros.tlsStarted(h.engine().getSession().getProtocol());
    }
}
