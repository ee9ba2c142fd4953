// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static dev.mailgate.api.StandardVars.AUTH_USER;
import static dev.mailgate.api.StandardVars.IS_SSL_CONNECTION;
import static dev.mailgate.api.StandardVars.MAIL_FROM_AUTH_USER;
import static dev.mailgate.api.StandardVars.MTA_HOSTNAME;
import static dev.mailgate.api.StandardVars.QUEUE_ID;
import static dev.mailgate.api.StandardVars.SMTP_IP;
import static dev.mailgate.api.StandardVars.SMTP_PORT;
import static dev.mailgate.api.StandardVars.TLS_VERSION;

import dev.mailgate.api.Stage;

/**
 * Maps the MTA's standard macros onto the seeds' variables, so filters and rules never parse
 * macro strings: {@code j} → mtaHostname, {@code {daemon_addr}}/{@code {daemon_port}} →
 * smtpIp/smtpPort, {@code {tls_version}} → isSSLConnection, {@code {auth_authen}} → authUser,
 * {@code {auth_author}} → mailFromAuthUser, {@code i} → queueId. Values the front end already set
 * from the protocol itself win.
 */
final class MacroMapping {
    private MacroMapping() {}

    static void apply(Stage stage, MacroSource macros, VarStore vars) {
        switch (stage) {
            case CONNECT -> {
                macros.get("j").ifPresent(v -> vars.set(MTA_HOSTNAME, v));
                if (vars.get(SMTP_IP).isEmpty()) macros.get("daemon_addr").ifPresent(v -> vars.set(SMTP_IP, v));
                if (vars.get(SMTP_PORT) == 0) {
                    macros.get("daemon_port").ifPresent(v -> {
                        try {
                            vars.set(SMTP_PORT, Long.parseLong(v.strip()));
                        } catch (NumberFormatException ignored) {
                            // a non-numeric port macro is the MTA's oddity, not a reason to fail the session
                        }
                    });
                }
            }
            case EHLO -> {
                String tls = macros.get("tls_version").orElse("");
                if (!tls.isEmpty()) {
                    vars.set(TLS_VERSION, tls);
                    vars.set(IS_SSL_CONNECTION, true);
                }
            }
            case MAIL_FROM -> {
                macros.get("auth_authen").filter(s -> !s.isEmpty()).ifPresent(v -> vars.set(AUTH_USER, v));
                macros.get("auth_author").filter(s -> !s.isEmpty()).ifPresent(v -> vars.set(MAIL_FROM_AUTH_USER, v));
                queueId(macros, vars);
            }
            case RCPT_TO, DATA, HEADERS_RECEIVED, DATA_RECEIVED -> queueId(macros, vars);
            default -> { }
        }
    }

    private static void queueId(MacroSource macros, VarStore vars) {
        macros.get("i").filter(s -> !s.isEmpty()).ifPresent(v -> vars.set(QUEUE_ID, v));
    }
}
