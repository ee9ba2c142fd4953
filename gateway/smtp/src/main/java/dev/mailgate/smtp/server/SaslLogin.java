// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;

/**
 * Which login a SASL exchange names, read from the client's messages, so that the proxy can
 * record who the downstream accepted ({@code authUser}, {@code {auth_authen}}) without checking
 * any password itself. Only mechanisms whose messages name the user are relayed at all:
 * PLAIN and LOGIN (RFC 4616, draft-murchison-sasl-login), CRAM-MD5 (RFC 2195) and SCRAM-SHA-*
 * (RFC 5802 / 7677). The channel-binding SCRAM variants (-PLUS) are left out: they bind the
 * exchange to the TLS connection the client sees, which is not the one the downstream sees, so
 * they cannot succeed through a proxy. GSSAPI, NTLM and the like carry no readable name.
 *
 * <p>The messages hold passwords (PLAIN, LOGIN) or password equivalents: nothing here logs,
 * keeps or returns anything but the login.
 */
final class SaslLogin {
    private SaslLogin() {}

    /** True if the proxy relays {@code mechanism} (and can tell the login from its messages). */
    static boolean relayable(String mechanism) {
        String m = mechanism.toUpperCase(Locale.ROOT);
        return m.equals("PLAIN") || m.equals("LOGIN") || m.equals("CRAM-MD5")
                || m.startsWith("SCRAM-SHA-") && !m.endsWith("-PLUS");
    }

    /** True for a client message as RFC 4954 allows it: base64, or "=" for an empty one. */
    static boolean isBase64(String message) {
        return message.equals("=") || !message.isEmpty() && message.length() % 4 == 0 && message.matches("[A-Za-z0-9+/]+={0,2}");
    }

    /**
     * The login named by the client's {@code index}-th message (0 = the first one, an initial
     * response or the answer to the first challenge), or null when that message names none.
     * For PLAIN and SCRAM an authorization identity, when given, is the login: it is who the
     * downstream lets the client act as, and what Cyrus SASL and Postfix report as the user.
     */
    static String from(String mechanism, int index, String message) {
        if (!isBase64(message)) return null;
        String text = message.equals("=") ? "" : new String(Base64.getDecoder().decode(message), StandardCharsets.UTF_8);
        String m = mechanism.toUpperCase(Locale.ROOT);
        if (index != 0) return null; // every supported mechanism names the user in its first message
        String login = switch (m) {
            case "PLAIN" -> plain(text);
            case "LOGIN" -> text;
            case "CRAM-MD5" -> text.lastIndexOf(' ') > 0 ? text.substring(0, text.lastIndexOf(' ')) : null;
            default -> m.startsWith("SCRAM-SHA-") ? scram(text) : null;
        };
        return login == null || login.isEmpty() || login.length() > 255 || login.chars().anyMatch(c -> c < 0x20 || c == 0x7f) ? null : login;
    }

    /** authzid NUL authcid NUL passwd */
    private static String plain(String text) {
        int first = text.indexOf('\0');
        int second = first < 0 ? -1 : text.indexOf('\0', first + 1);
        if (second < 0) return null;
        String authzid = text.substring(0, first);
        return authzid.isEmpty() ? text.substring(first + 1, second) : authzid;
    }

    /** client-first-message: gs2-cbind-flag "," [ "a=" authzid ] "," "n=" saslname "," "r=" nonce ... */
    private static String scram(String text) {
        String[] parts = text.split(",", 4);
        if (parts.length < 4 || !parts[2].startsWith("n=")) return null;
        String name = parts[1].startsWith("a=") && parts[1].length() > 2 ? parts[1].substring(2) : parts[2].substring(2);
        return name.replace("=2C", ",").replace("=3D", "=");
    }
}
