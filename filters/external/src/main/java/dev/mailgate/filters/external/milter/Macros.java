// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.milter;

import static dev.mailgate.milter.codec.MilterConstants.SMFIC_BODYEOB;
import static dev.mailgate.milter.codec.MilterConstants.SMFIC_CONNECT;
import static dev.mailgate.milter.codec.MilterConstants.SMFIC_DATA;
import static dev.mailgate.milter.codec.MilterConstants.SMFIC_EOH;
import static dev.mailgate.milter.codec.MilterConstants.SMFIC_HELO;
import static dev.mailgate.milter.codec.MilterConstants.SMFIC_MAIL;
import static dev.mailgate.milter.codec.MilterConstants.SMFIC_RCPT;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The macros passed on to the downstream milter before each command: Postfix's default lists
 * (postconf milter_*_macros), each taken from what our MTA sent, or else from the session's
 * variables, so OpenDKIM and friends see the queue id ({@code i}), the host name ({@code j}),
 * the client and the authenticated user as if the MTA talked to them directly.
 */
final class Macros {
    private static final Map<Character, List<String>> NAMES = Map.of(
            SMFIC_CONNECT, List.of("j", "{daemon_name}", "{daemon_addr}", "v", "_", "{client_addr}", "{client_name}", "{client_port}", "{client_ptr}"),
            SMFIC_HELO, List.of("{tls_version}", "{cipher}", "{cipher_bits}", "{cert_subject}", "{cert_issuer}"),
            SMFIC_MAIL, List.of("i", "{auth_type}", "{auth_authen}", "{auth_ssf}", "{auth_author}", "{mail_mailer}", "{mail_host}", "{mail_addr}"),
            SMFIC_RCPT, List.of("{rcpt_mailer}", "{rcpt_host}", "{rcpt_addr}"),
            SMFIC_DATA, List.of("i"),
            SMFIC_EOH, List.of("i"),
            SMFIC_BODYEOB, List.of("i"));

    /** Macros that can be rebuilt from variables when our MTA did not send them. */
    private static final Map<String, Var<?>> FROM_VARS = Map.of(
            "j", StandardVars.MTA_HOSTNAME,
            "{client_addr}", StandardVars.REMOTE_SMTP_IP,
            "{client_name}", StandardVars.REMOTE_SMTP_HOST,
            "{client_port}", StandardVars.REMOTE_SMTP_PORT,
            "{daemon_addr}", StandardVars.SMTP_IP,
            "i", StandardVars.QUEUE_ID,
            "{auth_authen}", StandardVars.AUTH_USER,
            "{mail_addr}", StandardVars.MAIL_FROM_ADDR,
            "{rcpt_addr}", StandardVars.RCPT_TO_ADDR);

    private Macros() {}

    /** The macros for command {@code code}, or null if there are none to send. */
    static Map<String, String> forCommand(char code, FilterContext ctx) {
        List<String> names = NAMES.get(code);
        if (names == null) return null;
        Map<String, String> out = new LinkedHashMap<>();
        for (String n : names) {
            String v = ctx.macro(n).orElse(null);
            if (v == null && FROM_VARS.containsKey(n)) {
                Object x = ctx.find(FROM_VARS.get(n)).orElse(null);
                if (x != null && !String.valueOf(x).isEmpty()) v = String.valueOf(x);
            }
            if (v != null) out.put(n, v);
        }
        return out.isEmpty() ? null : out;
    }
}
