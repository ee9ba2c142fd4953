// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static dev.mailgate.app.metrics.Scrapes.scrape;
import static dev.mailgate.app.metrics.Scrapes.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The metrics endpoint of a gateway behind a real Postfix: a few messages through Postfix move
 * the verdict and filter counters scraped over HTTP by exactly what was sent, and a reload
 * keeps the endpoint and the counts.
 */
class MetricsPostfixIT {
    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
              - metrics: inet:127.0.0.1:0
            filters:
              - limits: { name: limits-it, maxRcptCount: 10, maxReceivedHeaders: 30 }
            rules:
              onRcptTo:
                - if: rcptTo == "unknown@example.invalid"
                  then: { reject: "550 5.1.1 no such user" }
              onDataReceived:
                - if: subject == "reject-me"
                  then: { reject: "554 5.7.1 content refused" }
                - if: subject == "defer-me"
                  then: { tempreject: "451 4.7.1 deferred" }
                - if: subject == "discard-me"
                  then: discard
            """;

    static final String ACCEPT = "mailgate_messages_total{frontend=\"milter\",verdict=\"accept\"}";
    static final String REJECT = "mailgate_messages_total{frontend=\"milter\",verdict=\"reject\"}";
    static final String TEMPREJECT = "mailgate_messages_total{frontend=\"milter\",verdict=\"tempreject\"}";
    static final String DISCARD = "mailgate_messages_total{frontend=\"milter\",verdict=\"discard\"}";
    static final String RCPT_REJECT = "mailgate_stage_verdicts_total{frontend=\"milter\",event=\"onRcptTo\",verdict=\"reject\"}";
    static final String CALLS_OK = "mailgate_filter_calls_total{filter=\"limits-it\",outcome=\"ok\"}";
    static final String CALLS_ERROR = "mailgate_filter_calls_total{filter=\"limits-it\",outcome=\"error\"}";
    static final String DURATIONS = "mailgate_filter_duration_seconds_count{filter=\"limits-it\"}";
    static final String OPENED = "mailgate_sessions_opened_total{frontend=\"milter\"}";
    static final String CLOSED = "mailgate_sessions_closed_total{frontend=\"milter\"}";
    static final List<String> WATCHED = List.of(ACCEPT, REJECT, TEMPREJECT, DISCARD, RCPT_REJECT, CALLS_OK, CALLS_ERROR, DURATIONS, OPENED);

    static MailPath path;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        path = MailPath.start("metrics-it", POLICY);
    }

    @AfterAll
    static void stop() {
        if (path != null) path.close();
    }

    private static InetSocketAddress endpoint() {
        return path.gateway.metricsAddress().orElseThrow();
    }

    private static String message(String subject) {
        return "From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: " + subject + "\r\n"
                + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\nbody\r\n";
    }

    /** A scrape once every session Postfix opened has ended (Postfix closes the milter connection after QUIT, in its own time). */
    private static String settled() throws Exception {
        long deadline = System.nanoTime() + MailPath.WAIT.toNanos();
        while (true) {
            String s = scrape(endpoint());
            if (value(s, OPENED) == value(s, CLOSED)) return s;
            if (System.nanoTime() > deadline) throw new AssertionError("milter sessions still open:\n" + s);
            Thread.sleep(100);
        }
    }

    private static Map<String, Double> watched(String scrape) {
        Map<String, Double> m = new LinkedHashMap<>();
        // a verdict before the end of data is exported from its first occurrence on; until then it is 0
        for (String series : WATCHED) m.put(series, series.equals(RCPT_REJECT) ? Math.max(0, value(scrape, series)) : value(scrape, series));
        return m;
    }

    private static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
        Map<String, Double> d = new LinkedHashMap<>();
        before.forEach((k, v) -> d.put(k, after.get(k) - v));
        return d;
    }

    @Test
    void countersMoveByExactlyWhatWasSentAndSurviveAReload() throws Exception {
        Map<String, Double> before = watched(settled());
        assertThat(before.values()).as("every watched series is exported from the start").doesNotContain(-1.0);

        assertThat(path.send("a@test.invalid", "b@example.invalid", message("one")).data().code()).isEqualTo(250);
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("two")).data().code()).isEqualTo(250);
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("three")).data().code()).isEqualTo(250);
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("reject-me")).data().code()).isEqualTo(554);
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("defer-me")).data().code()).isEqualTo(451);
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("discard-me")).data().code()).isEqualTo(250);
        SmtpTransaction refused = path.send("a@test.invalid", "unknown@example.invalid", message("never"));
        assertThat(refused.recipients().get(0).code()).isEqualTo(550);
        path.sink.awaitMessages(3, MailPath.WAIT);

        Map<String, Double> after = watched(settled());
        Map<String, Double> expected = new LinkedHashMap<>();
        expected.put(ACCEPT, 3.0);
        expected.put(REJECT, 1.0);
        expected.put(TEMPREJECT, 1.0);
        expected.put(DISCARD, 1.0);
        expected.put(RCPT_REJECT, 1.0);
        // limits acts at onConnect, onRcptTo and onHeadersReceived: 3 calls for each of the six
        // messages, 2 for the session whose only recipient was refused (no content follows)
        expected.put(CALLS_OK, 20.0);
        expected.put(CALLS_ERROR, 0.0);
        expected.put(DURATIONS, 20.0);
        expected.put(OPENED, 7.0);
        assertThat(delta(before, after)).isEqualTo(expected);

        // SIGHUP's reload: same endpoint, same counts, and the next message counts on top
        InetSocketAddress address = endpoint();
        path.use(POLICY + "scores: { RELOADED: 1 }\n");
        assertThat(endpoint()).isEqualTo(address);
        String reloaded = settled();
        assertThat(watched(reloaded)).isEqualTo(after);
        assertThat(value(reloaded, "mailgate_policy_reloads_total{result=\"ok\"}")).isGreaterThanOrEqualTo(1);
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("four")).data().code()).isEqualTo(250);
        Map<String, Double> last = watched(settled());
        assertThat(last.get(ACCEPT) - after.get(ACCEPT)).isEqualTo(1);
        assertThat(last.get(CALLS_OK) - after.get(CALLS_OK)).isEqualTo(3);
        assertThat(path.problems()).isEmpty();
    }
}
