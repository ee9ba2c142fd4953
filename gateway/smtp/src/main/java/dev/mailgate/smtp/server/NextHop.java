// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import static dev.mailgate.api.StandardVars.CHECK_CERT_NAME;
import static dev.mailgate.api.StandardVars.FORCE_TLS;
import static dev.mailgate.api.StandardVars.HELO_NAME;
import static dev.mailgate.api.StandardVars.RELAY_HOST;
import static dev.mailgate.api.StandardVars.RELAY_PORT;
import static dev.mailgate.api.StandardVars.TRY_TLS;
import static dev.mailgate.api.StandardVars.VERIFY_CERT;

import dev.mailgate.core.policy.SmtpProxySettings;
import dev.mailgate.core.policy.SmtpProxySettings.DownstreamTls;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import io.netty.util.NetUtil;

/**
 * Where and how the proxy connects for one client session: VPOP3's ServerDetails, as onRelay left
 * them. {@code forceTls} implies trying; {@code checkCertName} implies verifying (see
 * {@link dev.mailgate.smtp.tls.DownstreamTlsContexts}).
 *
 * @param host     host name or IP literal (no brackets)
 * @param heloName what the proxy says in EHLO when it speaks for itself
 */
record NextHop(String host, int port, boolean tryTls, boolean forceTls, boolean verifyCert, boolean checkCertName, String heloName) {
    private static final String NAME = "[A-Za-z0-9](?:[A-Za-z0-9\\-]{0,62}\\.?)*";

    NextHop {
        if (host == null || !(host.matches(NAME) && host.length() <= 253 || NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host))) {
            throw new IllegalArgumentException("relayHost '" + host + "' is neither a host name nor an IP address");
        }
        if (port < 1 || port > 65535) throw new IllegalArgumentException("relayPort " + port + " is not a TCP port (1..65535)");
        if (heloName == null || !heloName.matches("[A-Za-z0-9.\\-\\[\\]:]{1,255}")) {
            throw new IllegalArgumentException("HELOname '" + heloName + "' is not a host name or address literal");
        }
    }

    /** The listener's settings, before onRelay changed anything. */
    static NextHop defaults(SmtpProxySettings s) {
        return new NextHop(s.downstream().host(), s.downstream().port(), s.downstreamTls() != DownstreamTls.NONE,
                s.downstreamTls() == DownstreamTls.REQUIRE, s.downstreamVerifyCert(), s.downstreamCheckCertName(), s.hostname());
    }

    SessionEvent.Relay event() {
        return new SessionEvent.Relay(host, port, tryTls, forceTls, verifyCert, checkCertName, heloName);
    }

    /**
     * What onRelay left in the session's variables. Throws IllegalArgumentException naming the
     * variable whose value cannot be used. Call once the stage has answered.
     */
    static NextHop chosen(Session s) {
        String host = s.get(RELAY_HOST).strip();
        // Postfix's [host] form (no MX lookup) means the same here: the proxy never looks up MX records
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        long port = s.get(RELAY_PORT);
        return new NextHop(host, (int) Math.max(Math.min(port, Integer.MAX_VALUE), Integer.MIN_VALUE), s.get(TRY_TLS) || s.get(FORCE_TLS),
                s.get(FORCE_TLS), s.get(VERIFY_CERT) || s.get(CHECK_CERT_NAME), s.get(CHECK_CERT_NAME), s.get(HELO_NAME).strip());
    }

    boolean isIpLiteral() {
        return NetUtil.isValidIpV4Address(host) || NetUtil.isValidIpV6Address(host);
    }

    /** For logs: every choice, by its variable's name. */
    String describe() {
        return this + " tryTLS=" + tryTls + " forceTLS=" + forceTls + " verifyCert=" + verifyCert + " checkCertName=" + checkCertName
                + " HELOname=" + heloName;
    }

    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
