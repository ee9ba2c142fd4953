// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.time.Duration;

/**
 * Milter front-end settings ({@code milter:} in the policy).
 *
 * @param maxPacketSize largest packet data accepted from the MTA; Postfix sends a header of up to
 *                      its header_size_limit (100 KiB) in one packet, so the default is 1 MiB
 * @param idleTimeout   an MTA connection silent this long is closed
 * @param leadingSpace  negotiate SMFIP_HDR_LEADSPC (header values verbatim, with their leading space)
 */
public record MilterSettings(int maxPacketSize, Duration idleTimeout, boolean leadingSpace) {
    public static final MilterSettings DEFAULTS = new MilterSettings(1 << 20, Duration.ofMinutes(10), true);
}
