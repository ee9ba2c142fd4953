// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.ServiceFactory;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyException;
import dev.mailgate.core.policy.PolicyLoader;
import java.time.Clock;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** The {@code services: { dns: ... }} section, loaded by the real policy loader. */
class DnsServiceFactoryTest {
    private static Policy load(String yaml) {
        List<ServiceFactory<?>> factories = List.of(new DnsServiceFactory());
        return new PolicyLoader(new FilterRegistry(List.of()), Clock.systemUTC(), factories).parse("dns.yaml", yaml);
    }

    @Test
    @SuppressWarnings("rawtypes") // a class literal of a generic interface
    void isFoundByTheServiceLoader() {
        List<String> found = ServiceLoader.load(ServiceFactory.class).stream().map(p -> p.type().getName()).toList();
        assertThat(found).contains(DnsServiceFactory.class.getName());
    }

    @Test
    void configuredServersAndTimeout() {
        try (Policy p = load("""
                services:
                  dns:
                    servers: [127.0.0.1:5353, "[::1]:53"]
                    timeout: 500ms
                    retries: 2
                    cacheSize: 100
                """)) {
            DnsResolver r = p.services().service(DnsResolver.class);
            assertThat(r).isInstanceOf(CachingDnsResolver.class);
            assertThat(r.toString()).contains("127.0.0.1:5353").contains("500 ms");
        }
    }

    @Test
    void withoutSettingsTheSystemResolverIsUsed() {
        try (Policy p = load("services:\n  dns: {}\n")) {
            assertThat(p.services().service(DnsResolver.class).toString())
                    .contains(DnsSettings.systemServers().get(0).getAddress().getHostAddress());
        }
    }

    @Test
    void badSettingsAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> load("services:\n  dns:\n    servers: [dns.example.org]\n"))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("dns.yaml:3:")
                .hasMessageContaining("not an IP address");
        assertThatThrownBy(() -> load("services:\n  dns:\n    servers: []\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("at least one server");
        assertThatThrownBy(() -> load("services:\n  dns:\n    timeout: 0s\n"))
                .isInstanceOf(PolicyException.class).hasMessageStartingWith("dns.yaml:3:").hasMessageContaining("positive");
        assertThatThrownBy(() -> load("services:\n  dns:\n    retries: 11\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("0..10");
        assertThatThrownBy(() -> load("services:\n  dns:\n    server: 127.0.0.1\n"))
                .isInstanceOf(PolicyException.class).hasMessageContaining("unknown key 'server'");
    }
}
