// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.networks;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.IpNetwork;
import dev.mailgate.api.Scope;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import java.util.List;
import java.util.Set;

/**
 * Accepts clients from trusted networks (no further checks, as hMailServer's IP ranges with spam
 * checks off) and refuses clients from blocked ones, at onConnect. The most specific network wins;
 * reject wins a tie.
 */
public final class NetworksFilter implements Filter {
    public static final Var<String> MATCH = Var.string("networks.match", Scope.CONNECTION, Stage.CONNECT,
            "accept or reject when the client is in a configured network, else empty");
    public static final Var<String> RANGE = Var.string("networks.range", Scope.CONNECTION, Stage.CONNECT,
            "the network set (or CIDR) the client matched");

    enum Action { ACCEPT, REJECT }

    record Range(IpNetwork network, Action action, String label) {}

    private final List<Range> ranges;
    private final SmtpReply rejectReply;

    NetworksFilter(List<Range> ranges, SmtpReply rejectReply) {
        this.ranges = List.copyOf(ranges);
        this.rejectReply = rejectReply;
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.CONNECT);
    }

    @Override
    public List<Var<?>> provides() {
        return List.of(MATCH, RANGE);
    }

    @Override
    public boolean blocking() {
        return false;
    }

    @Override
    public Verdict onConnect(FilterContext ctx) {
        byte[] ip = IpNetwork.literal(ctx.get(StandardVars.REMOTE_SMTP_IP));
        if (ip == null) return Verdict.CONTINUE; // unix socket or unknown family: nothing to match
        Range best = null;
        for (Range r : ranges) {
            if (!r.network().contains(ip)) continue;
            if (best == null || r.network().prefix() > best.network().prefix()
                    || (r.network().prefix() == best.network().prefix() && r.action() == Action.REJECT)) {
                best = r;
            }
        }
        if (best == null) return Verdict.CONTINUE;
        ctx.set(MATCH, best.action().name().toLowerCase());
        ctx.set(RANGE, best.label());
        return best.action() == Action.ACCEPT ? Verdict.ACCEPT : new Verdict.Reject(rejectReply, false);
    }
}
