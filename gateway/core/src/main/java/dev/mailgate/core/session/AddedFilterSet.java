// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.core.chain.ChainEntry;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The filters a session's rules added with addFilter: for the session (added at onConnect or
 * onEhlo), for the current message, and every one so far (they all hear onDisconnect). A session
 * only creates this when a rule adds a filter, so the thousands of idle sessions of a busy MTA do
 * not each carry three empty sets.
 */
final class AddedFilterSet {
    private final Set<ChainEntry> forSession = new LinkedHashSet<>();
    private final Set<ChainEntry> forMessage = new LinkedHashSet<>();
    private final Set<ChainEntry> ever = new LinkedHashSet<>();

    /** Adds {@code e}; false if the session or the message already has it. */
    boolean add(ChainEntry e, boolean messageOnly) {
        if (forSession.contains(e) || forMessage.contains(e)) return false;
        (messageOnly ? forMessage : forSession).add(e);
        ever.add(e);
        return true;
    }

    /** The added filters that apply now, in the order of {@code declared}. */
    List<ChainEntry> active(Collection<ChainEntry> declared) {
        if (forSession.isEmpty() && forMessage.isEmpty()) return List.of();
        List<ChainEntry> out = new ArrayList<>();
        for (ChainEntry e : declared) if (forSession.contains(e) || forMessage.contains(e)) out.add(e);
        return out;
    }

    void endMessage() {
        forMessage.clear();
    }

    List<ChainEntry> ever() {
        return List.copyOf(ever);
    }
}
