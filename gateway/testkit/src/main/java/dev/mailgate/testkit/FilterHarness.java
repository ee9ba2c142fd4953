// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit;

import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.Var;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.InstantSource;
import java.util.List;

/**
 * Runs a filter through the real session pipeline without any network: give it the factories
 * and a policy, then play the SMTP stages. For filter unit tests.
 *
 * <pre>{@code
 * FilterHarness h = FilterHarness.of("filters:\n  - limits: { maxRcptCount: 1 }\n", new LimitsFilterFactory());
 * h.connect("192.0.2.1").mailFrom("a@b.test");
 * assertThat(h.rcptTo("x@y.test").verdict()).isEqualTo(Verdict.CONTINUE);
 * }</pre>
 */
public final class FilterHarness {
    private final Session session;
    private StageResult last;

    private FilterHarness(Policy policy) {
        this.session = new Pipeline(policy).open("harness", MacroSource.NONE);
    }

    public static FilterHarness of(String policyYaml, FilterFactory... factories) {
        return of(policyYaml, Clock.systemUTC(), factories);
    }

    public static FilterHarness of(String policyYaml, InstantSource clock, FilterFactory... factories) {
        Policy p = new PolicyLoader(new FilterRegistry(List.of(factories)), clock).parse("harness.yaml", policyYaml);
        return new FilterHarness(p);
    }

    /**
     * With explicit shared services (e.g. an in-process DNS resolver fed from zone text) instead
     * of the ones found on the class path.
     */
    public static FilterHarness of(String policyYaml, InstantSource clock, List<dev.mailgate.api.ServiceFactory<?>> services,
                                   FilterFactory... factories) {
        Policy p = new PolicyLoader(new FilterRegistry(List.of(factories)), clock, services).parse("harness.yaml", policyYaml);
        return new FilterHarness(p);
    }

    /** Loads a policy only, to test that bad settings are refused. */
    public static Policy load(String policyYaml, FilterFactory... factories) {
        return new PolicyLoader(new FilterRegistry(List.of(factories)), Clock.systemUTC()).parse("harness.yaml", policyYaml);
    }

    private FilterHarness step(SessionEvent e) {
        last = session.process(e);
        return this;
    }

    public FilterHarness connect(String ip) {
        return step(new SessionEvent.Connect("[" + ip + "]", ip, 40000, "127.0.0.1", 25));
    }

    public FilterHarness ehlo(String name) {
        return step(new SessionEvent.Ehlo(name, true));
    }

    public FilterHarness mailFrom(String address, String... params) {
        return step(new SessionEvent.MailFrom("<" + address + ">", List.of(params)));
    }

    public StageResult rcptTo(String address) {
        return step(new SessionEvent.RcptTo("<" + address + ">", List.of())).last;
    }

    public FilterHarness header(String name, String value) {
        return step(new SessionEvent.Header(name, value));
    }

    public FilterHarness endOfHeaders() {
        return step(new SessionEvent.EndOfHeaders());
    }

    public FilterHarness body(String text) {
        return step(new SessionEvent.BodyChunk(text.getBytes(StandardCharsets.UTF_8)));
    }

    public FilterHarness body(byte[] chunk) {
        return step(new SessionEvent.BodyChunk(chunk));
    }

    public StageResult endOfData() {
        return step(new SessionEvent.EndOfData()).last;
    }

    /** The answer to the last event. */
    public StageResult last() {
        return last;
    }

    /**
     * The variable's value once every check still running has finished (filters that start early
     * keep looking things up after their event returned; see {@code Filter.startsEarly}).
     */
    public <T> T get(Var<T> var) {
        session.settle();
        return session.get(var);
    }

    public Session session() {
        return session;
    }
}
