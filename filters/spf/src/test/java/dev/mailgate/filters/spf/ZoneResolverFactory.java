// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.ServiceFactory;
import dev.mailgate.dns.DnsResolver;

/**
 * Test-only: gives policies loaded in this module's tests a {@link ZoneResolver} as their
 * {@link DnsResolver}, with the zone in the policy itself. Registered in the test resources'
 * {@code META-INF/services}, which come first on the test class path.
 *
 * <pre>
 * services:
 *   zones:
 *     records: ["example.org TXT v=spf1 -all", "mx.example.org A 192.0.2.1"]
 * </pre>
 */
public final class ZoneResolverFactory implements ServiceFactory<DnsResolver> {
    @Override
    public String key() {
        return "zones";
    }

    @Override
    public Class<DnsResolver> type() {
        return DnsResolver.class;
    }

    @Override
    public DnsResolver create(FilterSettings settings, FilterServices services) {
        settings.allowOnly("records");
        return ZoneResolver.of(settings.strings("records"));
    }
}
