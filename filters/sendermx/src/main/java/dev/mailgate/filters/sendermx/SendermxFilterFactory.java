// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.sendermx;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.dns.DnsResolver;
import java.time.Duration;

/** Builds the {@code sendermx} filter (checkSenderMX); see the package documentation. */
public final class SendermxFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "sendermx";
    }

    @Override
    public String description() {
        return "the MAIL FROM domain has a mail host (MX, implicit MX, null MX): SenderMXCheckResult";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("maxHosts", "budget");
        long maxHosts = s.integer("maxHosts", 5);
        if (maxHosts < 1 || maxHosts > 20) throw s.invalid("maxHosts", "must be 1..20");
        Duration budget = s.duration("budget", Duration.ofSeconds(5));
        if (budget.isZero() || budget.isNegative()) throw s.invalid("budget", "must be positive");
        Duration timeout = s.duration("timeout", null);
        if (timeout != null && budget.compareTo(timeout) >= 0) {
            throw s.invalid("budget", "must be shorter than the filter's timeout (" + timeout.toMillis() + " ms)");
        }
        return new SendermxFilter(services.service(DnsResolver.class), (int) maxHosts, budget);
    }
}
