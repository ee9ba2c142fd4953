// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.NetworkSets;
import dev.mailgate.api.IpNetwork;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The policy's named IP ranges (hMailServer's IP ranges), e.g. {@code trusted: [127.0.0.0/8]}. */
public record Networks(Map<String, List<IpNetwork>> sets) implements NetworkSets {
    public static final Networks EMPTY = new Networks(Map.of());

    public Networks {
        sets = Map.copyOf(sets);
    }

    @Override
    public boolean contains(String name, String ip) {
        List<IpNetwork> set = sets.get(name);
        if (set == null) return false;
        byte[] a = IpNetwork.literal(ip);
        if (a == null) return false;
        for (IpNetwork c : set) if (c.contains(a)) return true;
        return false;
    }

    /** {@code nameOrCidr} is a set name, or a network written inline ("10.0.0.0/8"). */
    public boolean matches(String ip, String nameOrCidr) {
        if (sets.containsKey(nameOrCidr)) return contains(nameOrCidr, ip);
        try {
            return IpNetwork.parse(nameOrCidr).contains(ip);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public java.util.Optional<List<IpNetwork>> members(String name) {
        return java.util.Optional.ofNullable(sets.get(name));
    }

    @Override
    public Set<String> names() {
        return sets.keySet();
    }
}
