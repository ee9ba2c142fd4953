// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.dnsbl;

import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.ServiceFactory;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.testing.ZoneResolver;
import java.time.Clock;
import java.util.List;

/**
 * A session of the real pipeline whose {@code dns} service is a given resolver (FilterHarness
 * takes the service factories from the class path, which would be the real resolver).
 */
final class DnsSession {
    private final Session session;

    private DnsSession(Session session) {
        this.session = session;
    }

    static final String STAGE_BY_STAGE = "defaults: { startEarly: false }\n";

    static Policy load(String yaml, ZoneResolver dns) {
        return load(yaml, dns.serviceFactory());
    }

    static Policy load(String yaml, ServiceFactory<DnsResolver> dns) {
        List<FilterFactory> filters = List.of(new DnsblFilterFactory());
        List<ServiceFactory<?>> services = List.of(dns);
        return new PolicyLoader(new FilterRegistry(filters), Clock.systemUTC(), services).parse("dnsbl.yaml", yaml);
    }

    static DnsSession open(String yaml, ZoneResolver dns) {
        // stage by stage: these tests read each stage's verdict and variables right after it
        // (the early start has its own tests in the core and DnsblEarlyTest)
        return new DnsSession(new Pipeline(load(STAGE_BY_STAGE + yaml, dns)).open("test", MacroSource.NONE));
    }

    StageResult connect(String ip) {
        return session.process(new SessionEvent.Connect("[" + ip + "]", ip, 40000, "127.0.0.1", 25));
    }

    StageResult ehlo(String name) {
        return session.process(new SessionEvent.Ehlo(name, true));
    }

    StageResult mailFrom(String address) {
        return session.process(new SessionEvent.MailFrom("<" + address + ">", List.of()));
    }

    <T> T get(Var<T> var) {
        return session.get(var);
    }

    List<String> findings() {
        return session.get(StandardVars.FINDINGS);
    }
}
