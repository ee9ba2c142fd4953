// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.testkit.FilterHarness;
import dev.mailgate.testkit.mta.LocalPorts;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Rate limits through the real pipeline, with a clock the test moves; each {@link #session} is a new SMTP session. */
class RateLimitFilterTest {
    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
    final InstantSource clock = now::get;

    void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    FilterHarness session(String policy, String ip) {
        return FilterHarness.of(policy, clock, new RateLimitFilterFactory()).connect(ip);
    }

    static String text(StageResult r) {
        Verdict v = r.verdict();
        if (v instanceof Verdict.TempReject t) return t.reply().toWireText();
        if (v instanceof Verdict.Reject t) return t.reply().toWireText();
        return v.action();
    }

    @Test
    void theMessageOverTheLimitIsDeferredAndTheWindowSlides() {
        String policy = "filters:\n  - ratelimit: { per: [clientIp], limit: 3, window: 1h }\n";
        for (int i = 1; i <= 3; i++) {
            FilterHarness h = session(policy, "192.0.2.1").mailFrom("a@x.test");
            assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
            assertThat(h.get(RateLimitFilter.EXCEEDED)).isEmpty();
            assertThat(h.get(Dimension.CLIENT_IP.var())).isEqualTo(i);
        }
        FilterHarness over = session(policy, "192.0.2.1").mailFrom("a@x.test");
        assertThat(text(over.last())).isEqualTo("451 4.7.1 Rate limit exceeded: more than 3 messages per 1h for this client, please try again later");
        assertThat(over.get(RateLimitFilter.EXCEEDED)).isEqualTo("clientIp");
        assertThat(over.get(StandardVars.FINDINGS)).containsExactly("RATELIMIT_EXCEEDED");
        assertThat(over.get(Dimension.CLIENT_IP.var())).as("the refused message was not counted").isEqualTo(3);
        assertThat(session(policy, "192.0.2.2").mailFrom("a@x.test").last().verdict()).as("another client").isEqualTo(Verdict.CONTINUE);

        advance(Duration.ofMinutes(59));
        assertThat(session(policy, "192.0.2.1").mailFrom("a@x.test").last().verdict()).isInstanceOf(Verdict.TempReject.class);
        advance(Duration.ofMinutes(21)); // 80 min after the three: a third of them still counts (floor(3 * 2/3) = 2)
        FilterHarness again = session(policy, "192.0.2.1").mailFrom("a@x.test");
        assertThat(again.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(again.get(Dimension.CLIENT_IP.var())).isEqualTo(3);
        assertThat(session(policy, "192.0.2.1").mailFrom("a@x.test").last().verdict()).isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void perSenderCountsAcrossClientsAndSkipsTheNullSender() {
        String policy = "filters:\n  - ratelimit: { per: [sender], limit: 2, window: 10m, action: reject }\n";
        assertThat(session(policy, "192.0.2.1").mailFrom("Alice@X.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(session(policy, "198.51.100.1").mailFrom("alice@x.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        StageResult third = session(policy, "203.0.113.1").mailFrom("alice@x.test").last();
        assertThat(text(third)).isEqualTo("550 5.7.1 Rate limit exceeded: more than 2 messages per 10m for this sender");
        for (int i = 0; i < 5; i++) {
            FilterHarness bounce = session(policy, "192.0.2.1").mailFrom("");
            assertThat(bounce.last().verdict()).isEqualTo(Verdict.CONTINUE);
            assertThat(bounce.session().find(Dimension.SENDER.var())).isEmpty();
        }
    }

    @Test
    void perRecipientRefusesThatRecipientOnly() {
        String policy = "filters:\n  - ratelimit: { per: [recipient], limit: 1, window: 1h }\n";
        FilterHarness h = session(policy, "192.0.2.1").mailFrom("a@x.test");
        assertThat(h.rcptTo("bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.rcptTo("carol@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        FilterHarness next = session(policy, "192.0.2.9").mailFrom("b@y.test");
        assertThat(text(next.rcptTo("bob@example.test"))).contains("more than 1 recipients per 1h for this recipient");
        assertThat(next.get(Dimension.RECIPIENT.var())).isEqualTo(1);
        assertThat(next.rcptTo("dave@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(next.get(StandardVars.RECIPIENTS)).containsExactly("dave@example.test");
    }

    @Test
    void recipientsPerAuthenticatedUser() {
        String policy = "filters:\n  - ratelimit: { per: [authUser], limit: 3, window: 1d, count: recipients }\n";
        FilterHarness anon = session(policy, "192.0.2.1").mailFrom("a@x.test");
        for (int i = 0; i < 5; i++) assertThat(anon.rcptTo("r" + i + "@y.test").verdict()).as("not authenticated: not counted").isEqualTo(Verdict.CONTINUE);

        FilterHarness user = session(policy, "192.0.2.1");
        user.session().set(StandardVars.AUTH_USER, "alice");
        user.mailFrom("alice@x.test");
        for (int i = 0; i < 3; i++) assertThat(user.rcptTo("r" + i + "@y.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(user.get(Dimension.AUTH_USER.var())).isEqualTo(3);
        assertThat(text(user.rcptTo("r3@y.test"))).contains("more than 3 recipients per 1d for this user");
    }

    @Test
    void networksAndDomainsGroupTheirMembers() {
        String policy = "filters:\n  - ratelimit: { per: [clientNetwork, senderDomain], limit: 2, window: 1h }\n";
        assertThat(session(policy, "192.0.2.1").mailFrom("a@x.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(session(policy, "192.0.2.200").mailFrom("b@y.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        FilterHarness third = session(policy, "192.0.2.77").mailFrom("c@x.test");
        assertThat(third.get(RateLimitFilter.EXCEEDED)).isEqualTo("clientNetwork");
        assertThat(third.get(Dimension.SENDER_DOMAIN.var())).as("refused, so not counted for x.test either").isEqualTo(1);
        FilterHarness fourth = session(policy, "198.51.100.1").mailFrom("d@x.test");
        assertThat(fourth.get(RateLimitFilter.EXCEEDED)).as("x.test had two, the refused third not counted").isEmpty();
        assertThat(fourth.get(Dimension.SENDER_DOMAIN.var())).isEqualTo(2);
        assertThat(session(policy, "203.0.113.1").mailFrom("e@x.test").get(RateLimitFilter.EXCEEDED)).isEqualTo("senderDomain");
    }

    @Test
    void reportOnlyCountsEverythingAndLetsARuleDecide() {
        String policy = """
                filters:
                  - ratelimit: { per: [clientIp], limit: 2, window: 1h, action: continue }
                rules:
                  onMailFrom:
                    - if: ratelimit.clientIp > 3
                      then: { tempreject: "4.7.1 slow down" }
                scores: { RATELIMIT_EXCEEDED: 2.5 }
                """;
        var p = FilterHarness.load(policy, new RateLimitFilterFactory());
        assertThat(p.decides(dev.mailgate.api.Stage.MAIL_FROM)).as("the rule decides, not the filter").isTrue();
        assertThat(p.chain(dev.mailgate.api.Stage.MAIL_FROM).get(0).filter().decidesAt(dev.mailgate.api.Stage.MAIL_FROM)).isFalse();
        for (int i = 1; i <= 3; i++) assertThat(session(policy, "192.0.2.1").mailFrom("a@x.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        FilterHarness third = session(policy, "192.0.2.1").mailFrom("a@x.test");
        assertThat(third.get(Dimension.CLIENT_IP.var())).isEqualTo(4);
        assertThat(text(third.last())).isEqualTo("451 4.7.1 slow down");
        assertThat(third.get(StandardVars.SCORE)).isEqualTo(2.5);
    }

    @Test
    void exemptNetworksAreNotCounted() {
        String policy = "networks: { trusted: [10.0.0.0/8] }\nfilters:\n  - ratelimit: { per: [clientIp], limit: 1, window: 1h, exempt: [trusted] }\n";
        for (int i = 0; i < 3; i++) {
            FilterHarness h = session(policy, "10.1.2.3").mailFrom("a@x.test");
            assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
            assertThat(h.session().find(Dimension.CLIENT_IP.var())).isEmpty();
        }
    }

    @Test
    void entriesWithDifferentNamesCountApart() {
        String policy = """
                filters:
                  - ratelimit: { name: burst, per: [clientIp], limit: 2, window: 1m }
                  - ratelimit: { name: daily, per: [clientIp], limit: 3, window: 1d }
                """;
        assertThat(session(policy, "192.0.2.1").mailFrom("a@x.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(session(policy, "192.0.2.1").mailFrom("a@x.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        StageResult burst = session(policy, "192.0.2.1").mailFrom("a@x.test").last();
        assertThat(burst.decidedBy()).isEqualTo("filter burst");
        advance(Duration.ofMinutes(3));
        assertThat(session(policy, "192.0.2.1").mailFrom("a@x.test").last().verdict()).isEqualTo(Verdict.CONTINUE);
        StageResult daily = session(policy, "192.0.2.1").mailFrom("a@x.test").last();
        assertThat(daily.decidedBy()).isEqualTo("filter daily");
        assertThat(text(daily)).contains("more than 3 messages per 1d");
    }

    @Test
    void anUnreachableStoreWithFallbackFailGoesToOnError() {
        int closed = LocalPorts.freePort();
        String policy = "services:\n  store: { type: redis, uri: \"redis://127.0.0.1:" + closed + "/0\", fallback: fail }\n"
                + "filters:\n  - ratelimit: { per: [clientIp], limit: 5, window: 1h, onError: continue }\n";
        FilterHarness h = session(policy, "192.0.2.1").mailFrom("a@x.test");
        assertThat(h.last().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("RATELIMIT_TEMPERROR", "RATELIMIT_ERROR");
        h.session().policy().close(); // the Redis client's threads
    }

    @Test
    void badSettingsAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - ratelimit: { per: [ip], limit: 1, window: 1h }\n", new RateLimitFilterFactory()))
                .hasMessageContaining("harness.yaml:2:").hasMessageContaining("unknown dimension 'ip'");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - ratelimit: { per: [sender], window: 1h }\n", new RateLimitFilterFactory()))
                .hasMessageContaining("needs limit");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - ratelimit: { per: [sender], limit: 1 }\n", new RateLimitFilterFactory()))
                .hasMessageContaining("needs window");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - ratelimit: { per: [recipient], limit: 1, window: 1h, count: messages }\n", new RateLimitFilterFactory()))
                .hasMessageContaining("count: recipients");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - ratelimit: { per: [sender], limit: 1, window: 1h, action: reject, reply: \"451 4.7.1 x\" }\n", new RateLimitFilterFactory()))
                .hasMessageContaining("needs a 5xx reply");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - ratelimit: { per: [sender], limit: 0, window: 1h }\n", new RateLimitFilterFactory()))
                .hasMessageContaining("1 or more");
    }
}
