// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.session.MacroSource;
import java.util.Map;
import java.util.Optional;

/**
 * What the proxy tells the pipeline in the milter's words. Only {@code {tls_version}} so far: once
 * STARTTLS succeeded it carries the protocol, and the core maps it onto {@code isSSLConnection}
 * and {@code tlsVersion} at the next onEhlo, exactly as for a Postfix milter session, so the two
 * front ends cannot drift apart on TLS.
 */
final class ProxyMacros implements MacroSource {
    /** Written on the event loop, read on the session's thread. */
    private volatile String tlsVersion;

    void tlsStarted(String protocol) {
        tlsVersion = protocol;
    }

    @Override
    public Optional<String> get(String name) {
        return name.equals("tls_version") ? Optional.ofNullable(tlsVersion) : Optional.empty();
    }

    @Override
    public Map<String, String> all() {
        String v = tlsVersion;
        return v == null ? Map.of() : Map.of("tls_version", v);
    }
}
