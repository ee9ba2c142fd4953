// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

/**
 * One listener from {@code listen:}.
 *
 * @param protocol {@code milter} (later also {@code smtp})
 * @param mode     unix socket permission bits as octal text ("0660"), or null
 * @param owner    unix socket owner, or null
 * @param group    unix socket group, or null
 */
public record ListenerConfig(String protocol, ListenAddress address, String mode, String owner, String group) {}
