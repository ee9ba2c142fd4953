// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

/**
 * One listener from {@code listen:}.
 *
 * @param protocol {@code milter} or {@code smtp} (the SMTP proxy front end)
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
}
