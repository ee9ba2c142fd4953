// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.policy.SmtpProxySettings;
import dev.mailgate.core.policy.SmtpProxySettings.DownstreamTls;
import dev.mailgate.smtp.relay.Downstream;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * STARTTLS towards the downstream, right after its greeting and before XCLIENT, so the real
 * client's facts and every command after them travel encrypted. The proxy greets with its own
 * hostname for this; the client's EHLO is sent later, inside TLS. With {@code may} a downstream
 * without STARTTLS gets plain text; with {@code require} it gets nothing, and the session fails
 * like an unreachable downstream (421 to the client).
 */
final class DownstreamStartTls {
    private static final Logger LOG = LoggerFactory.getLogger(DownstreamStartTls.class);

    private DownstreamStartTls() {}

    /** Completes with the TLS protocol in use, or null for plain text. */
    static CompletableFuture<String> negotiate(Downstream d, SmtpProxySettings settings, SslContext context) {
        if (settings.downstreamTls() == DownstreamTls.NONE || context == null) return CompletableFuture.completedFuture(null);
        return d.command("EHLO " + settings.hostname()).thenCompose(ehlo -> {
            if (!ehlo.isPositive() || !ehlo.hasKeyword("STARTTLS")) return plain(settings, "does not offer STARTTLS (" + ehlo + ")");
            return d.command("STARTTLS").thenCompose(r -> {
                if (r.code() != 220) return plain(settings, "refused STARTTLS (" + r + ")");
                return d.startTls(context, settings.downstream().host(), settings.downstream().port());
            });
        });
    }

    private static CompletableFuture<String> plain(SmtpProxySettings settings, String why) {
        if (settings.downstreamTls() == DownstreamTls.REQUIRE) {
            return CompletableFuture.failedFuture(new IOException("downstream " + settings.downstream() + " " + why
                    + " and downstreamTls is require"));
        }
        LOG.debug("downstream {} {}; continuing in plain text (downstreamTls: may)", settings.downstream(), why);
        return CompletableFuture.completedFuture(null);
    }
}
