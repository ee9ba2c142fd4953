// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.metrics;

import static dev.mailgate.core.metrics.Scraped.value;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.metrics.Registry;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The recording hooks: sessions, verdicts and filter calls as a scrape shows them, across a reload. */
class PipelineMetricsTest {
    /** A filter at onRcptTo that throws for recipients starting with "boom". */
    static final class Probe implements FilterFactory {
        public String type() { return "probe"; }

        public Filter create(FilterSettings s, FilterServices services) {
            return new Filter() {
                public Set<Stage> stages() { return Set.of(Stage.RCPT_TO); }

                public Verdict onRcptTo(FilterContext ctx) {
                    if (ctx.get(StandardVars.RCPT_TO_ADDR).startsWith("boom")) throw new IllegalStateException("probe failed");
                    return Verdict.CONTINUE;
                }
            };
        }
    }

    private static final String POLICY = """
            filters:
              - probe: { name: %s, onError: continue }
            rules:
              onRcptTo:
                - if: rcptTo == "nobody@x.test"
                  then: { reject: "550 5.1.1 no such user" }
              onDataReceived:
                - if: subject == "spam"
                  then: { reject: "550 5.7.1 spam" }
                - if: subject == "later"
                  then: tempreject
            """;

    private static Policy load(String filterName) {
        return new PolicyLoader(new FilterRegistry(List.of(new Probe())), Clock.systemUTC()).parse("m.yaml", POLICY.formatted(filterName));
    }

    private static void message(Session s, String subject, String... rcpts) {
        s.process(new SessionEvent.MailFrom("<a@x.test>", List.of()));
        for (String r : rcpts) s.process(new SessionEvent.RcptTo("<" + r + ">", List.of()));
        s.process(new SessionEvent.Header("Subject", subject));
        s.process(new SessionEvent.EndOfHeaders());
        s.process(new SessionEvent.EndOfData());
    }

    @Test
    void countsSessionsVerdictsAndFilterCallsPerFrontEnd() {
        Registry registry = new Registry();
        Pipeline p = new Pipeline(load("probe"), new PipelineMetrics(registry));
        Session milter = p.open("milter", MacroSource.NONE);
        message(milter, "hello", "a@x.test", "nobody@x.test", "boom@x.test");
        message(milter, "spam", "a@x.test");
        message(milter, "later", "a@x.test");
        Session smtp = p.open("smtp", MacroSource.NONE);
        message(smtp, "hello", "a@x.test");

        String s = registry.scrape();
        assertThat(value(s, "mailgate_messages_total{frontend=\"milter\",verdict=\"accept\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_messages_total{frontend=\"milter\",verdict=\"reject\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_messages_total{frontend=\"milter\",verdict=\"tempreject\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_messages_total{frontend=\"milter\",verdict=\"discard\"}")).isEqualTo(0);
        assertThat(value(s, "mailgate_messages_total{frontend=\"smtp\",verdict=\"accept\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_stage_verdicts_total{frontend=\"milter\",event=\"onRcptTo\",verdict=\"reject\"}")).isEqualTo(1);
        assertThat(s).doesNotContain("frontend=\"smtp\",event=");
        // 6 recipients reached the filter; one threw
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"probe\",outcome=\"ok\"}")).isEqualTo(5);
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"probe\",outcome=\"error\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"probe\",outcome=\"timeout\"}")).isEqualTo(0);
        assertThat(value(s, "mailgate_filter_duration_seconds_count{filter=\"probe\"}")).isEqualTo(6);
        assertThat(value(s, "mailgate_filter_duration_seconds_bucket{filter=\"probe\",le=\"+Inf\"}")).isEqualTo(6);
        assertThat(value(s, "mailgate_sessions_opened_total{frontend=\"milter\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_sessions_open{frontend=\"milter\"}")).isEqualTo(1);

        milter.process(new SessionEvent.Disconnect());
        milter.process(new SessionEvent.Disconnect()); // a second one does not end it twice
        s = registry.scrape();
        assertThat(value(s, "mailgate_sessions_open{frontend=\"milter\"}")).isEqualTo(0);
        assertThat(value(s, "mailgate_sessions_closed_total{frontend=\"milter\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_sessions_open{frontend=\"smtp\"}")).isEqualTo(1);
    }

    @Test
    void aReloadKeepsCountingWhereItWasAndBindsTheNewFilters() {
        Registry registry = new Registry();
        Policy first = load("probe");
        Pipeline p = new Pipeline(first, new PipelineMetrics(registry));
        Session before = p.open("milter", MacroSource.NONE);
        message(before, "hello", "a@x.test", "b@x.test");

        Policy second = load("probe");
        assertThat(second.chain().get(0).meter().isBound()).isFalse();
        p.replace(second);
        assertThat(second.chain().get(0).meter().isBound()).isTrue();
        Session after = p.open("milter", MacroSource.NONE);
        message(after, "hello", "c@x.test");
        message(before, "hello", "d@x.test"); // a session of the old policy still counts

        String s = registry.scrape();
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"probe\",outcome=\"ok\"}")).isEqualTo(4);
        assertThat(value(s, "mailgate_messages_total{frontend=\"milter\",verdict=\"accept\"}")).isEqualTo(3);

        p.replace(load("renamed"));
        message(p.open("milter", MacroSource.NONE), "hello", "e@x.test");
        s = registry.scrape();
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"renamed\",outcome=\"ok\"}")).isEqualTo(1);
        assertThat(value(s, "mailgate_filter_calls_total{filter=\"probe\",outcome=\"ok\"}")).as("kept, not reset").isEqualTo(4);
    }
}
