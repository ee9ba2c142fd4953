// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

/**
 * One listener from {@code listen:}.
 *
 * @param protocol {@code milter}, {@code smtp} (the SMTP proxy front end) or {@code metrics} (HTTP, Prometheus)
 * @param mode     unix socket permission bits as octal text ("0660"), or null
 * @param owner    unix socket owner, or null
 * @param group    unix socket group, or null
 * @param smtp     the proxy settings of an {@code smtp} listener, null for milter listeners
 */
public record ListenerConfig(String protocol, ListenAddress address, String mode, String owner, String group, SmtpProxySettings smtp) {
    /** A milter listener. */
    public ListenerConfig(String protocol, ListenAddress address, String mode, String owner, String group) {
        this(protocol, address, mode, owner, group, null);
    }

    public boolean isSmtp() {
        return "smtp".equals(protocol);
    }

    /** The HTTP listener that serves {@code /metrics}; it carries no mail. */
    public boolean isMetrics() {
        return "metrics".equals(protocol);
    }
}
