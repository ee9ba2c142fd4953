// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * onRelay: offers the listener's defaults to the pipeline as the next-hop variables and reads
 * back what its rules and filters left there. A reject / tempreject refuses the client as at
 * onConnect (554 / 421, then close); values that cannot be used (a port out of range, a host name
 * with spaces) are a policy mistake: logged with the variable's name, and the client is told
 * 421 to come back later rather than being relayed somewhere nobody chose.
 */
final class RelayChoice {
    private static final Logger LOG = LoggerFactory.getLogger(RelayChoice.class);

    /** Either the next hop, or the last reply for a client that must not be relayed. */
    record Outcome(NextHop hop, String refusal) {}

    private RelayChoice() {}

    static CompletableFuture<Outcome> choose(ProxySession s) {
        NextHop defaults = NextHop.defaults(s.settings);
        return s.dispatch(defaults.event()).thenApply(r -> {
            if (Replies.isRefusal(r.verdict())) {
                LOG.info("session={} client={} refused at onRelay ({})", s.session.sessionId(), s.client, r.decidedBy());
                return new Outcome(null, Replies.connectionRefusal(r.verdict()));
            }
            try {
                NextHop hop = NextHop.chosen(s.session);
                if (!hop.equals(defaults)) LOG.debug("session={} onRelay chose {}", s.session.sessionId(), hop.describe());
                return new Outcome(hop, null);
            } catch (IllegalArgumentException e) {
                LOG.error("session={} client={} onRelay left an unusable next hop: {}; the client is told to retry later",
                        s.session.sessionId(), s.client, e.getMessage());
                return new Outcome(null, "421 4.3.5 " + s.settings.hostname() + " Error: server configuration error\r\n");
            }
        });
    }
}
