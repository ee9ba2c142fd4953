// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.dns.DnsResolver;

/** Builds the {@code spf} filter (checkSPF) on the policy's shared {@link DnsResolver}. */
public final class SpfFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "spf";
    }

    @Override
    public String description() {
        return "SPF (RFC 7208) of the MAIL FROM and HELO identities: SPFResult, Received-SPF, Authentication-Results";
    }

    @Override
    public Filter create(FilterSettings settings, FilterServices services) {
        SpfSettings s = SpfSettings.from(settings);
        DnsResolver dns = services.service(DnsResolver.class);
        SpfEvaluator evaluator = new SpfEvaluator(dns, s.deadline(), s.maxDnsTerms(), s.maxVoidLookups(), s.explanation(), services.clock());
        return new SpfFilter(evaluator, s);
    }
}
