// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.autoban;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.testkit.FilterHarness;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Strikes, bans and their expiry through the real pipeline, with a clock the test moves. A strike
 * is a message that a rule refused with {@code report: NO_SUCH_USER}.
 */
class AutobanFilterTest {
    static final String RULES = """
            rules:
              onRcptTo:
                - if: rcptTo.startsWith("nobody")
                  then: { reject: "550 5.1.1 no such user", report: NO_SUCH_USER }
                - if: rcptTo.startsWith("noted")
                  then: { report: JUST_NOTED }
            """;
    static final String POLICY = "filters:\n  - autoban: { strikes: [NO_SUCH_USER], maxStrikes: 3, window: 10m, banFor: 1h }\n" + RULES;

    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
    final InstantSource clock = now::get;

    void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    FilterHarness connect(String policy, String ip) {
        return FilterHarness.of(policy, clock, new AutobanFilterFactory()).connect(ip);
    }

    /** One session with one message to {@code rcpt}, ended with QUIT. */
    FilterHarness message(String policy, String ip, String rcpt) {
        FilterHarness h = connect(policy, ip);
        if (h.last().verdict().isFinal()) return h;
        h.mailFrom("x@y.test");
        h.rcptTo(rcpt);
        h.session().process(new SessionEvent.Disconnect());
        return h;
    }

    static String text(StageResult r) {
        Verdict v = r.verdict();
        if (v instanceof Verdict.TempReject t) return t.reply().toWireText();
        if (v instanceof Verdict.Reject t) return t.reply().toWireText();
        return v.action();
    }

    @Test
    void strikesWithinTheWindowBanTheClientUntilTheBanEnds() {
        message(POLICY, "192.0.2.1", "nobody@example.test");
        advance(Duration.ofMinutes(2));
        FilterHarness second = message(POLICY, "192.0.2.1", "nobody@example.test");
        assertThat(second.get(AutobanFilter.STRIKES)).isEqualTo(2);
        assertThat(connect(POLICY, "192.0.2.1").last().verdict()).as("two strikes: not yet").isEqualTo(Verdict.CONTINUE);
        advance(Duration.ofMinutes(2));
        FilterHarness third = message(POLICY, "192.0.2.1", "nobody@example.test");
        assertThat(third.get(AutobanFilter.BANNED)).isTrue();

        FilterHarness banned = connect(POLICY, "192.0.2.1");
        assertThat(text(banned.last())).isEqualTo("451 4.7.1 Too many refused attempts from your address; banned for 60 more minutes");
        assertThat(banned.get(AutobanFilter.BANNED)).isTrue();
        assertThat(banned.session().variables()).containsEntry("findings", java.util.List.of("AUTOBAN_BANNED"));
        assertThat(connect(POLICY, "192.0.2.2").last().verdict()).as("only that address").isEqualTo(Verdict.CONTINUE);

        advance(Duration.ofMinutes(59));
        assertThat(text(connect(POLICY, "192.0.2.1").last())).contains("banned for 1 more minutes");
        advance(Duration.ofMinutes(1));
        assertThat(connect(POLICY, "192.0.2.1").last().verdict()).isEqualTo(Verdict.CONTINUE);
        FilterHarness fresh = message(POLICY, "192.0.2.1", "nobody@example.test");
        assertThat(fresh.get(AutobanFilter.STRIKES)).as("the ban wiped the slate").isEqualTo(1);
    }

    @Test
    void strikesSpreadOverMoreThanTheWindowDoNotAddUp() {
        for (int i = 0; i < 6; i++) {
            FilterHarness h = message(POLICY, "192.0.2.1", "nobody@example.test");
            assertThat(h.get(AutobanFilter.BANNED)).isFalse();
            advance(Duration.ofMinutes(15)); // slower than 3 per 10 minutes
        }
        assertThat(connect(POLICY, "192.0.2.1").last().verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void aMessageIsOneStrikeAndOnlyTheListedFindingsCount() {
        FilterHarness h = connect(POLICY, "192.0.2.1").mailFrom("x@y.test");
        for (int i = 0; i < 5; i++) assertThat(h.rcptTo("nobody" + i + "@example.test").verdict()).isInstanceOf(Verdict.Reject.class);
        h.rcptTo("noted@example.test");
        h.session().process(new SessionEvent.Disconnect());
        assertThat(h.get(AutobanFilter.STRIKES)).isEqualTo(1);
        for (int i = 0; i < 5; i++) assertThat(message(POLICY, "192.0.2.1", "noted@example.test").get(AutobanFilter.STRIKES)).isEqualTo(0);
    }

    @Test
    void aBanEarnedInAConnectionRefusesItsNextMessage() {
        FilterHarness h = connect(POLICY, "192.0.2.1");
        for (int i = 0; i < 3; i++) {
            h.mailFrom("x@y.test");
            h.rcptTo("nobody@example.test");
            h.session().process(new SessionEvent.Reset());
        }
        assertThat(h.get(AutobanFilter.BANNED)).isTrue();
        h.mailFrom("x@y.test");
        assertThat(text(h.last())).startsWith("451 4.7.1 Too many refused attempts");
    }

    @Test
    void exemptNetworksAndAuthenticatedSessionsAreNeverBanned() {
        String policy = "networks: { trusted: [10.0.0.0/8] }\nfilters:\n  - autoban: { strikes: [NO_SUCH_USER], maxStrikes: 1, exempt: [trusted] }\n" + RULES;
        message(policy, "10.0.0.5", "nobody@example.test");
        assertThat(connect(policy, "10.0.0.5").last().verdict()).isEqualTo(Verdict.CONTINUE);

        FilterHarness user = connect(policy, "192.0.2.1");
        user.session().set(StandardVars.AUTH_USER, "alice");
        user.mailFrom("alice@example.test");
        user.rcptTo("nobody@example.test");
        user.session().process(new SessionEvent.Disconnect());
        assertThat(connect(policy, "192.0.2.1").last().verdict()).isEqualTo(Verdict.CONTINUE);
        message(policy, "192.0.2.1", "nobody@example.test");
        assertThat(connect(policy, "192.0.2.1").last().verdict()).as("the same client unauthenticated").isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void anIpv6ClientIsBannedWithItsSlash64() {
        String policy = "filters:\n  - autoban: { strikes: [NO_SUCH_USER], maxStrikes: 1, action: reject }\n" + RULES;
        message(policy, "2001:db8:1:2::10", "nobody@example.test");
        assertThat(text(connect(policy, "2001:db8:1:2:ffff::99").last())).startsWith("554 5.7.1 Too many refused attempts");
        assertThat(connect(policy, "2001:db8:1:3::10").last().verdict()).isEqualTo(Verdict.CONTINUE);
        message(policy, "192.0.2.1", "nobody@example.test");
        assertThat(connect(policy, "192.0.2.2").last().verdict()).as("IPv4 bans one address by default").isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void badSettingsAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - autoban: {}\n", new AutobanFilterFactory()))
                .hasMessageContaining("harness.yaml:2:").hasMessageContaining("name the findings");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - autoban: { strikes: [no_such_user] }\n", new AutobanFilterFactory()))
                .hasMessageContaining("UPPER_SNAKE");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - autoban: { strikes: [X], maxStrikes: 0 }\n", new AutobanFilterFactory()))
                .hasMessageContaining("1 or more");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - autoban: { strikes: [X], action: reject, reply: \"451 4.7.1 later\" }\n", new AutobanFilterFactory()))
                .hasMessageContaining("needs a 5xx reply");
    }
}
