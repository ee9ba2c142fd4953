// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.session.MacroSource;
import java.util.Map;
import java.util.Optional;

/**
 * What the proxy tells the pipeline in the milter's words, so the two front ends cannot drift
 * apart: {@code {tls_version}} once STARTTLS succeeded (the core maps it onto
 * {@code isSSLConnection} and {@code tlsVersion} at the next onEhlo), and {@code {auth_authen}} /
 * {@code {auth_type}} once the downstream accepted the client's AUTH (mapped onto {@code authUser}
 * from onMailFrom on), exactly as for a Postfix milter session.
 */
final class ProxyMacros implements MacroSource {
    /** Written on the event loop, read on the session's thread. */
    private volatile String tlsVersion;
    private volatile String authAuthen;
    private volatile String authType;

    void tlsStarted(String protocol) {
        tlsVersion = protocol;
    }

    /** The downstream answered 235: {@code login} (may be empty if unknown) with {@code mechanism}. */
    void authenticated(String login, String mechanism) {
        authType = mechanism;
        authAuthen = login;
    }

    @Override
    public Optional<String> get(String name) {
        return switch (name) {
            case "tls_version" -> Optional.ofNullable(tlsVersion);
            case "auth_authen" -> Optional.ofNullable(authAuthen);
            case "auth_type" -> Optional.ofNullable(authType);
            default -> Optional.empty();
        };
    }

    @Override
    public Map<String, String> all() {
        Map<String, String> m = new java.util.TreeMap<>();
        for (String name : new String[] {"tls_version", "auth_authen", "auth_type"}) get(name).ifPresent(v -> m.put(name, v));
        return Map.copyOf(m);
    }
}
