// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.greylist;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.api.Stage;
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

/**
 * Every greylisting rule through the real pipeline, with a clock the test moves. Each
 * {@link #session} is a new SMTP session on the same node (the memory store is the process's, per
 * clock), so state carries from one to the next as it would between a client's retries.
 */
class GreylistFilterTest {
    static final String BASIC = """
            filters:
              - greylist: { delay: 5m, retryWindow: 4h, passLifetime: 10d, autoWhitelist: 0 }
            """;

    final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-03-01T10:00:00Z"));
    final InstantSource clock = now::get;

    void advance(Duration d) {
        now.set(now.get().plus(d));
    }

    FilterHarness session(String policy, String ip, String from) {
        return FilterHarness.of(policy, clock, new GreylistFilterFactory()).connect(ip).mailFrom(from);
    }

    StageResult attempt(String policy, String ip, String from, String rcpt) {
        return session(policy, ip, from).rcptTo(rcpt);
    }

    static String reply(StageResult r) {
        assertThat(r.verdict()).isInstanceOf(Verdict.TempReject.class);
        return ((Verdict.TempReject) r.verdict()).reply().toWireText();
    }

    @Test
    void firstAttemptIsDeferredAnEarlyRetryToo_aRetryAfterTheDelayPasses() {
        FilterHarness first = session(BASIC, "192.0.2.10", "alice@sender.test");
        assertThat(reply(first.rcptTo("bob@example.test")))
                .isEqualTo("451 4.7.1 Greylisted: first delivery attempt for this sender and recipient, please try again in 300 seconds");
        assertThat(first.get(GreylistFilter.STATUS)).isEqualTo("new");
        assertThat(first.get(StandardVars.FINDINGS)).containsExactly("GREYLIST_DEFERRED");

        advance(Duration.ofMinutes(4));
        FilterHarness early = session(BASIC, "192.0.2.10", "alice@sender.test");
        assertThat(reply(early.rcptTo("bob@example.test"))).isEqualTo("451 4.7.1 Greylisted: retried too early, please try again in 60 seconds");
        assertThat(early.get(GreylistFilter.RETRY_IN)).isEqualTo(60);

        advance(Duration.ofMinutes(1));
        FilterHarness retry = session(BASIC, "192.0.2.10", "alice@sender.test");
        assertThat(retry.rcptTo("bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(retry.get(GreylistFilter.STATUS)).isEqualTo("passed");
        assertThat(retry.get(StandardVars.FINDINGS)).isEmpty();

        advance(Duration.ofDays(1));
        FilterHarness later = session(BASIC, "192.0.2.10", "alice@sender.test");
        assertThat(later.rcptTo("bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(later.get(GreylistFilter.STATUS)).isEqualTo("known");
    }

    @Test
    void eachRecipientIsItsOwnTriplet() {
        FilterHarness h = session(BASIC, "192.0.2.10", "alice@sender.test");
        assertThat(h.rcptTo("one@example.test").verdict()).isInstanceOf(Verdict.TempReject.class);
        advance(Duration.ofMinutes(5));
        FilterHarness again = session(BASIC, "192.0.2.10", "alice@sender.test");
        assertThat(again.rcptTo("one@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(again.rcptTo("two@example.test").verdict()).as("a recipient not tried before").isInstanceOf(Verdict.TempReject.class);
        assertThat(again.get(StandardVars.RECIPIENTS)).containsExactly("one@example.test");
    }

    @Test
    void aRetryAfterTheWindowStartsOver() {
        attempt(BASIC, "192.0.2.10", "alice@sender.test", "bob@example.test");
        advance(Duration.ofHours(4).plusSeconds(1));
        StageResult late = attempt(BASIC, "192.0.2.10", "alice@sender.test", "bob@example.test");
        assertThat(reply(late)).contains("first delivery attempt").contains("300 seconds");
        advance(Duration.ofMinutes(5));
        assertThat(attempt(BASIC, "192.0.2.10", "alice@sender.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void aPassIsForgottenAfterItsLifetimeUnlessUsed() {
        attempt(BASIC, "192.0.2.10", "alice@sender.test", "bob@example.test");
        advance(Duration.ofMinutes(5));
        attempt(BASIC, "192.0.2.10", "alice@sender.test", "bob@example.test"); // passed at day 0
        attempt(BASIC, "192.0.2.10", "carol@sender.test", "bob@example.test");
        advance(Duration.ofMinutes(5));
        attempt(BASIC, "192.0.2.10", "carol@sender.test", "bob@example.test"); // passed at day 0 too

        advance(Duration.ofDays(8));
        // alice keeps writing: her pass is refreshed; carol is silent
        assertThat(attempt(BASIC, "192.0.2.10", "alice@sender.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        advance(Duration.ofDays(3)); // 11 days after the passes, 3 after alice's last message
        assertThat(attempt(BASIC, "192.0.2.10", "alice@sender.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(reply(attempt(BASIC, "192.0.2.10", "carol@sender.test", "bob@example.test"))).contains("first delivery attempt");
    }

    @Test
    void theClientIsItsNetwork() {
        attempt(BASIC, "192.0.2.10", "alice@sender.test", "bob@example.test");
        advance(Duration.ofMinutes(5));
        assertThat(attempt(BASIC, "192.0.2.99", "alice@sender.test", "bob@example.test").verdict())
                .as("a retry from another address of the same /24").isEqualTo(Verdict.CONTINUE);
        assertThat(attempt(BASIC, "198.51.100.10", "alice@sender.test", "bob@example.test").verdict())
                .as("another network").isInstanceOf(Verdict.TempReject.class);

        attempt(BASIC, "2001:db8:5:6::1", "alice@sender.test", "bob@example.test");
        advance(Duration.ofMinutes(5));
        assertThat(attempt(BASIC, "2001:db8:5:6:ffff::2", "alice@sender.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void perMessageSenderAddressesCountAsOne() {
        attempt(BASIC, "192.0.2.10", "bounce-1234@lists.test", "bob@example.test");
        advance(Duration.ofMinutes(5));
        assertThat(attempt(BASIC, "192.0.2.10", "bounce-98765@lists.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        attempt(BASIC, "192.0.2.10", "prvs=0123abcd=carol@batv.test", "bob@example.test");
        advance(Duration.ofMinutes(5));
        assertThat(attempt(BASIC, "192.0.2.10", "prvs=ffff0000=carol@batv.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void aNetworkThatPassedEnoughTripletsIsAutoWhitelisted() {
        String policy = "filters:\n  - greylist: { delay: 5m, autoWhitelist: 2 }\n";
        for (String sender : new String[] {"a@s.test", "b@s.test"}) {
            attempt(policy, "192.0.2.10", sender, "bob@example.test");
            advance(Duration.ofMinutes(5));
            assertThat(attempt(policy, "192.0.2.10", sender, "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        }
        FilterHarness h = session(policy, "192.0.2.10", "never-seen@other.test");
        assertThat(h.rcptTo("someone@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GreylistFilter.STATUS)).isEqualTo("autowhitelisted");
        assertThat(attempt(policy, "198.51.100.1", "never-seen@other.test", "someone@example.test").verdict())
                .as("only that network").isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void whitelistedClientsSendersAndRecipientsAreNeverGreylisted() {
        String policy = """
                networks: { partners: [203.0.113.0/24] }
                filters:
                  - greylist:
                      whitelistNetworks: [partners, 198.51.100.7]
                      whitelistSenderDomains: [bank.test]
                      whitelistRecipients: [postmaster@, abuse@example.test, "@open.test"]
                """;
        assertThat(attempt(policy, "203.0.113.9", "x@y.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(attempt(policy, "198.51.100.7", "x@y.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(attempt(policy, "198.51.100.8", "x@y.test", "bob@example.test").verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(attempt(policy, "192.0.2.1", "alerts@mail.bank.test", "bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(attempt(policy, "192.0.2.1", "x@notbank.test", "bob@example.test").verdict()).isInstanceOf(Verdict.TempReject.class);
        assertThat(attempt(policy, "192.0.2.1", "x@y.test", "postmaster@anything.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(attempt(policy, "192.0.2.1", "x@y.test", "Abuse@Example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(attempt(policy, "192.0.2.1", "x@y.test", "abuse@other.test").verdict()).isInstanceOf(Verdict.TempReject.class);
        FilterHarness h = session(policy, "192.0.2.1", "x@y.test");
        assertThat(h.rcptTo("anyone@open.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GreylistFilter.STATUS)).isEqualTo("whitelisted");
    }

    @Test
    void authenticatedSendersAreNotGreylistedUnlessAskedTo() {
        FilterHarness h = FilterHarness.of(BASIC, clock, new GreylistFilterFactory()).connect("192.0.2.1");
        h.session().set(StandardVars.AUTH_USER, "alice");
        h.mailFrom("alice@example.test");
        assertThat(h.rcptTo("bob@elsewhere.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GreylistFilter.STATUS)).isEqualTo("authenticated");

        FilterHarness strict = FilterHarness.of("filters:\n  - greylist: { skipAuthenticated: false }\n", clock, new GreylistFilterFactory())
                .connect("192.0.2.1");
        strict.session().set(StandardVars.AUTH_USER, "alice");
        strict.mailFrom("alice@example.test");
        assertThat(strict.rcptTo("bob@elsewhere.test").verdict()).isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void aRuleDecidesWhoBypasses() {
        // the policy's condition (here on the sender; with the spf filter: SPFResult == "Pass")
        String policy = BASIC + """
                rules:
                  onMailFrom:
                    - if: mailFromDomain == "spf-pass.test"
                      then: { set: { greylist.bypass: true } }
                """;
        FilterHarness h = session(policy, "192.0.2.1", "x@spf-pass.test");
        assertThat(h.rcptTo("bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GreylistFilter.STATUS)).isEqualTo("bypassed");
        FilterHarness next = h.mailFrom("x@other.test"); // the bypass was for that message only
        assertThat(next.rcptTo("bob@example.test").verdict()).isInstanceOf(Verdict.TempReject.class);
    }

    @Test
    void atTheEndOfDataTheWholeMessageIsDeferredOnce() {
        String policy = """
                filters:
                  - greylist: { stage: onDataReceived, delay: 5m, autoWhitelist: 0, whitelistRecipients: [postmaster@] }
                rules:
                  onHeadersReceived:
                    - if: subject == "exempt me"
                      then: { set: { greylist.bypass: true } }
                """;
        FilterHarness h = session(policy, "192.0.2.1", "x@y.test");
        assertThat(h.rcptTo("one@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.rcptTo("two@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.rcptTo("postmaster@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        h.header("Subject", "hello").endOfHeaders();
        assertThat(reply(h.endOfData())).contains("first delivery attempt");

        advance(Duration.ofMinutes(5));
        FilterHarness retry = session(policy, "192.0.2.1", "x@y.test");
        retry.rcptTo("one@example.test");
        retry.rcptTo("two@example.test");
        retry.rcptTo("postmaster@example.test");
        retry.header("Subject", "hello").endOfHeaders();
        assertThat(retry.endOfData().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(retry.get(GreylistFilter.STATUS)).isEqualTo("passed");

        FilterHarness exempt = session(policy, "192.0.2.1", "new@y.test");
        exempt.rcptTo("one@example.test");
        exempt.header("Subject", "exempt me").endOfHeaders();
        assertThat(exempt.endOfData().verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(exempt.get(GreylistFilter.STATUS)).isEqualTo("bypassed");

        FilterHarness onlyPostmaster = session(policy, "192.0.2.1", "new@y.test");
        onlyPostmaster.rcptTo("postmaster@example.test");
        onlyPostmaster.header("Subject", "hi").endOfHeaders();
        assertThat(onlyPostmaster.endOfData().verdict()).isEqualTo(Verdict.CONTINUE);
    }

    @Test
    void clientsWithoutAnAddressAreNotGreylisted() {
        FilterHarness h = session(BASIC, "", "x@y.test");
        assertThat(h.rcptTo("bob@example.test").verdict()).isEqualTo(Verdict.CONTINUE);
        assertThat(h.get(GreylistFilter.STATUS)).isEqualTo("noip");
    }

    @Test
    void anUnreachableStoreWithFallbackFailGoesToOnError() {
        int closed = LocalPorts.freePort();
        String store = "services:\n  store: { type: redis, uri: \"redis://127.0.0.1:" + closed + "/0\", fallback: fail, connectTimeout: 500ms }\n";
        FilterHarness h = session(store + "filters:\n  - greylist: { onError: tempreject }\n", "192.0.2.1", "x@y.test");
        StageResult r = h.rcptTo("bob@example.test");
        assertThat(reply(r)).isEqualTo("451 4.7.1 Temporary failure in filter greylist, try again later");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("GREYLIST_TEMPERROR", "GREYLIST_ERROR");

        FilterHarness lenient = session(store + "filters:\n  - greylist: { onError: continue }\n", "192.0.2.1", "x@y.test");
        assertThat(lenient.rcptTo("bob@example.test").verdict()).as("mail flows, the findings tell why").isEqualTo(Verdict.CONTINUE);
        assertThat(lenient.get(StandardVars.FINDINGS)).contains("GREYLIST_TEMPERROR");
        h.session().policy().close(); // the Redis client's threads
        lenient.session().policy().close();
    }

    @Test
    void anUnreachableStoreWithFallbackLocalKeepsGreylistingLocally() {
        int closed = LocalPorts.freePort();
        String policy = "services:\n  store: { type: redis, uri: \"redis://127.0.0.1:" + closed + "/0\", connectTimeout: 500ms }\n" + BASIC;
        FilterHarness h = session(policy, "192.0.2.1", "x@y.test");
        assertThat(reply(h.rcptTo("bob@example.test"))).contains("first delivery attempt");
        assertThat(h.get(StandardVars.FINDINGS)).containsExactly("GREYLIST_DEFERRED");
        h.session().policy().close();
    }

    @Test
    void onTheMemoryStoreTheCheckRunsInlineOnRedisOnAThreadOfItsOwn() {
        try (var memory = FilterHarness.load(BASIC, new GreylistFilterFactory());
             var redis = FilterHarness.load("services:\n  store: { type: redis, uri: \"redis://127.0.0.1:1/0\" }\n" + BASIC,
                     new GreylistFilterFactory())) {
            assertThat(memory.runsInline(Stage.RCPT_TO)).isTrue();
            assertThat(redis.runsInline(Stage.RCPT_TO)).isFalse();
        }
    }

    @Test
    void badSettingsAreRefusedWithTheirPosition() {
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - greylist: { stage: onMailFrom }\n", new GreylistFilterFactory()))
                .hasMessageContaining("harness.yaml:2:").hasMessageContaining("onRcptTo or onDataReceived");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - greylist: { delay: 1h, retryWindow: 30m }\n", new GreylistFilterFactory()))
                .hasMessageContaining("longer than the delay");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - greylist: { reply: \"550 5.7.1 go away\" }\n", new GreylistFilterFactory()))
                .hasMessageContaining("must be 4xx");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - greylist: { whitelistNetworks: [friends] }\n", new GreylistFilterFactory()))
                .hasMessageContaining("'friends' is neither a network set");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - greylist: { ipv4Prefix: 40 }\n", new GreylistFilterFactory()))
                .hasMessageContaining("0..32");
        assertThatThrownBy(() -> FilterHarness.load("filters:\n  - greylist: { dealy: 5m }\n", new GreylistFilterFactory()))
                .hasMessageContaining("unknown key 'dealy'");
    }
}
