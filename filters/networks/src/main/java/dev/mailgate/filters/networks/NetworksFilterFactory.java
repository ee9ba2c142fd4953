// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.networks;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.IpNetwork;
import dev.mailgate.api.SmtpReply;
import java.util.ArrayList;
import java.util.List;

/** Builds the {@code networks} filter from its settings. */
public final class NetworksFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "networks";
    }

    @Override
    public String description() {
        return "trusted / blocked client networks at onConnect";
    }

    @Override
    public Filter create(FilterSettings settings, FilterServices services) {
        settings.allowOnly("accept", "reject", "rejectReply");
        List<NetworksFilter.Range> ranges = new ArrayList<>();
        add(ranges, settings, services, "accept", NetworksFilter.Action.ACCEPT);
        add(ranges, settings, services, "reject", NetworksFilter.Action.REJECT);
        if (ranges.isEmpty()) throw settings.invalid("accept", "give at least one network under accept or reject");
        SmtpReply reply;
        try {
            reply = SmtpReply.parse(settings.string("rejectReply", "554 5.7.1 Access denied for your network"), 554);
        } catch (IllegalArgumentException e) {
            throw settings.invalid("rejectReply", e.getMessage());
        }
        if (!reply.isPermanent()) throw settings.invalid("rejectReply", "a reject reply needs a 5xx code");
        return new NetworksFilter(ranges, reply);
    }

    private static void add(List<NetworksFilter.Range> ranges, FilterSettings settings, FilterServices services,
                            String key, NetworksFilter.Action action) {
        for (String item : settings.strings(key)) {
            var named = services.networks().members(item);
            if (named.isPresent()) {
                for (IpNetwork n : named.get()) ranges.add(new NetworksFilter.Range(n, action, item));
                continue;
            }
            try {
                IpNetwork n = IpNetwork.parse(item);
                ranges.add(new NetworksFilter.Range(n, action, n.toString()));
            } catch (IllegalArgumentException e) {
                throw settings.invalid(key, "'" + item + "' is neither a network set from 'networks:' " + services.networks().names()
                        + " nor a network such as 10.0.0.0/8");
            }
        }
    }
}
