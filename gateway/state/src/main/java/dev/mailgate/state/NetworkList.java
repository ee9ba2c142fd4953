// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.IpNetwork;
import java.util.ArrayList;
import java.util.List;

/**
 * A list of networks from a filter setting whose items are the policy's named sets
 * ({@code trusted}) or CIDRs ({@code 192.0.2.0/24}, {@code 2001:db8::/32}): what the stateful
 * filters exempt or whitelist.
 */
public record NetworkList(List<IpNetwork> networks) {
    public static final NetworkList NONE = new NetworkList(List.of());

    public NetworkList {
        networks = List.copyOf(networks);
    }

    /** Reads {@code key}; an item that is neither a defined set nor a CIDR is refused with its position. */
    public static NetworkList from(FilterSettings s, String key, FilterServices services) {
        List<IpNetwork> all = new ArrayList<>();
        for (String item : s.strings(key)) {
            var set = services.networks().members(item);
            if (set.isPresent()) {
                all.addAll(set.get());
                continue;
            }
            try {
                all.add(IpNetwork.parse(item));
            } catch (IllegalArgumentException e) {
                throw s.invalid(key, "'" + item + "' is neither a network set of this policy (" + String.join(", ", services.networks().names())
                        + ") nor an IP network");
            }
        }
        return new NetworkList(all);
    }

    /** True if {@code ip} (text) lies in one of the networks. */
    public boolean contains(String ip) {
        byte[] a = IpNetwork.literal(ip);
        if (a == null) return false;
        for (IpNetwork n : networks) if (n.contains(a)) return true;
        return false;
    }
}
