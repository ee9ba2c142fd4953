// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.rdns;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.dns.DnsResolver;
import java.time.Duration;

/** Builds the {@code rdns} filter (checkReverseDNS and the HELO checks); see the package documentation. */
public final class RdnsFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "rdns";
    }

    @Override
    public String description() {
        return "forward-confirmed reverse DNS of the client, and HELO checks (syntax, literal, resolves to the client)";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("reverse", "helo", "maxNames", "budget");
        boolean reverse = s.bool("reverse", true);
        boolean helo = s.bool("helo", true);
        if (!reverse && !helo) throw s.invalid("reverse", "with reverse and helo both off the filter does nothing");
        long maxNames = s.integer("maxNames", 10);
        if (maxNames < 1 || maxNames > 32) throw s.invalid("maxNames", "must be 1..32");
        Duration budget = s.duration("budget", Duration.ofSeconds(5));
        if (budget.isZero() || budget.isNegative()) throw s.invalid("budget", "must be positive");
        Duration timeout = s.duration("timeout", null);
        if (timeout != null && budget.compareTo(timeout) >= 0) {
            throw s.invalid("budget", "must be shorter than the filter's timeout (" + timeout.toMillis() + " ms)");
        }
        return new RdnsFilter(services.service(DnsResolver.class), reverse ? new ReverseCheck((int) maxNames) : null,
                helo ? new HeloCheck() : null, budget);
    }
}
