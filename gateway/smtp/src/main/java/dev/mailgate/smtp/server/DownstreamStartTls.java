// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.smtp.relay.Downstream;
import dev.mailgate.smtp.tls.DownstreamTlsContexts;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STARTTLS towards the next hop, right after its greeting and before XCLIENT, so the real
 * client's facts and every command after them travel encrypted. The proxy greets with the next
 * hop's {@code HELOname} for this; the client's EHLO is sent later, inside TLS. With
 * {@code tryTLS} a next hop without STARTTLS gets plain text; with {@code forceTLS} it gets
 * nothing, and the session fails like an unreachable downstream (421 to the client). A handshake
 * that fails (a certificate that {@code verifyCert} / {@code checkCertName} refuse included)
 * leaves nothing to fall back on: the connection is gone, and the client gets 421 too.
 */
final class DownstreamStartTls {
    private static final Logger LOG = LoggerFactory.getLogger(DownstreamStartTls.class);

    private DownstreamStartTls() {}

    /** Completes with the TLS protocol in use, or null for plain text. */
    static CompletableFuture<String> negotiate(Downstream d, NextHop hop, DownstreamTlsContexts contexts) {
        if (!hop.tryTls() && !hop.forceTls()) return CompletableFuture.completedFuture(null);
        return d.command("EHLO " + hop.heloName()).thenCompose(ehlo -> {
            if (!ehlo.isPositive() || !ehlo.hasKeyword("STARTTLS")) return plain(hop, "does not offer STARTTLS (" + ehlo + ")");
            return d.command("STARTTLS").thenCompose(r -> {
                if (r.code() != 220) return plain(hop, "refused STARTTLS (" + r + ")");
                return d.startTls(contexts.context(hop.verifyCert(), hop.checkCertName()), hop.host(), hop.port());
            });
        });
    }

    private static CompletableFuture<String> plain(NextHop hop, String why) {
        if (hop.forceTls()) {
            return CompletableFuture.failedFuture(new IOException("the next hop " + hop + " " + why + " and forceTLS is set"));
        }
        LOG.debug("next hop {} {}; continuing in plain text (tryTLS)", hop, why);
        return CompletableFuture.completedFuture(null);
    }
}
