// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.dnsbl;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.dns.DnsResolver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Builds the {@code dnsbl} filter (checkDNSBL); see the package documentation for the settings. */
public final class DnsblFilterFactory implements FilterFactory {
    static final Duration DEFAULT_BUDGET = Duration.ofSeconds(5);

    @Override
    public String type() {
        return "dnsbl";
    }

    @Override
    public String description() {
        return "DNS block lists (client address, HELO name, MAIL FROM domain) and allow lists";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("zones", "domains", "allow", "allowAction", "txt", "budget");
        List<DnsblZone> block = zones(s, "zones", DnsblZone.Kind.BLOCK);
        List<DnsblZone> domains = zones(s, "domains", DnsblZone.Kind.DOMAIN);
        List<DnsblZone> allow = zones(s, "allow", DnsblZone.Kind.ALLOW);
        if (block.isEmpty() && domains.isEmpty() && allow.isEmpty()) {
            throw s.invalid("zones", "name at least one list (zones:, domains: or allow:)");
        }
        DnsblFilter.AllowAction action;
        String a = s.string("allowAction", "skip");
        try {
            action = DnsblFilter.AllowAction.valueOf(a.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw s.invalid("allowAction", "must be accept, skip or continue, not '" + a + "'");
        }
        Duration budget = s.duration("budget", DEFAULT_BUDGET);
        if (budget.isZero() || budget.isNegative()) throw s.invalid("budget", "must be positive");
        Duration timeout = s.duration("timeout", null);
        if (timeout != null && budget.compareTo(timeout) >= 0) {
            throw s.invalid("budget", "must be shorter than the filter's timeout (" + timeout.toMillis() + " ms), so that"
                    + " a slow list ends as DNSBL_TIMEOUT rather than as a stuck filter");
        }
        return new DnsblFilter(services.service(DnsResolver.class), block, domains, allow, action, s.bool("txt", true), budget);
    }

    private static List<DnsblZone> zones(FilterSettings s, String key, DnsblZone.Kind kind) {
        List<DnsblZone> zones = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (String spec : s.strings(key)) {
            if (spec.isBlank()) throw s.invalid(key, "an empty entry");
            DnsblZone z;
            try {
                z = DnsblZone.parse(spec, kind);
            } catch (IllegalArgumentException e) {
                throw s.invalid(key, e.getMessage());
            }
            if (!seen.add(z.zone())) throw s.invalid(key, "'" + z.zone() + "' is listed twice");
            zones.add(z);
        }
        return zones;
    }
}
