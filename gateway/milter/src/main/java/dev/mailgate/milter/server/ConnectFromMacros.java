// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.server;

import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.SessionEvent;

/**
 * The CONNECT event an MTA did not send because the policy asked it not to (SMFIP_NOCONNECT),
 * rebuilt from the client macros the negotiation moved to the next event: the session then holds
 * the same connection variables as if CONNECT had arrived.
 */
final class ConnectFromMacros {
    private ConnectFromMacros() {}

    static SessionEvent.Connect connect(MacroSource macros) {
        // Postfix writes IPv6 clients as "IPv6:2001:db8::1" in {client_addr}
        String address = bareAddress(macros.get("client_addr").orElse(""));
        String name = macros.get("client_name").orElse("");
        // as in CONNECT itself: an unresolved client is named by its bracketed address
        if ((name.isEmpty() || name.equals("unknown")) && !address.isEmpty()) name = "[" + address + "]";
        return new SessionEvent.Connect(name, address, port(macros), "", 0);
    }

    /** An address without the {@code IPv6:} prefix Sendmail (CONNECT) and Postfix ({client_addr}) may give it. */
    static String bareAddress(String address) {
        return address.regionMatches(true, 0, "IPv6:", 0, 5) ? address.substring(5) : address;
    }

    private static int port(MacroSource macros) {
        try {
            int p = Integer.parseInt(macros.get("client_port").orElse("0").strip());
            return p >= 0 && p <= 65535 ? p : 0;
        } catch (NumberFormatException e) {
            return 0; // an odd macro is no reason to fail the session
        }
    }
}
