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
 * @param eventLoops    threads serving the milter connections, 0 = half the cores (read at start)
 */
public record MilterSettings(int maxPacketSize, Duration idleTimeout, boolean leadingSpace, int eventLoops) {
    public static final MilterSettings DEFAULTS = new MilterSettings(1 << 20, Duration.ofMinutes(10), true, 0);

    /**
     * The event loops to start. Half the cores by default: the loops only move packets and run
     * the rules that cannot block (filters that wait run on virtual threads), and on a host the
     * MTA shares, every loop that sleeps and wakes per packet costs the MTA CPU as well; one loop
     * also saves handing each accepted connection to another thread.
     */
    public int eventLoopThreads() {
        return eventLoops > 0 ? eventLoops : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }
}
