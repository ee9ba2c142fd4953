// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves the harness against a real Postfix 3.7 and the reference milter rawmilter.py. Each test
 * runs its own Postfix instance on fresh ports, so this also shows instances started one after
 * another in one JVM.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PostfixMilterIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String MESSAGE = """
            From: sender@test.invalid
            To: rcpt@example.invalid
            Subject: original subject
            X-Delete-Me: please
            X-Folded: first part
             second part

            hello
            .leading dot line
            """;

    @TempDir
    Path tmp;

    @BeforeAll
    static void requirePostfix() {
        assumeTrue(PostfixInstance.isAvailable(), "Postfix (package postfix) and root are needed");
    }

    private PostfixInstance postfix(SmtpSink sink, String milters) {
        return PostfixInstance.builder(tmp.resolve("pfx")).relayPort(sink.port()).milters(milters).start();
    }

    @Test
    void modifyModeEditsReachTheSink() {
        try (RawMilter milter = RawMilter.start("modify", tmp);
             SmtpSink sink = SmtpSink.start();
             PostfixInstance pf = postfix(sink, milter.postfixAddress());
             SmtpClient c = new SmtpClient(WAIT)) {
            assertThat(c.connect("127.0.0.1", pf.smtpPort()).code()).isEqualTo(220);
            assertThat(c.ehlo("client.test.invalid").code()).isEqualTo(250);
            SmtpTransaction t = c.send("sender@test.invalid", List.of("rcpt@example.invalid"), MESSAGE);
            assertThat(t.accepted()).as(String.join("\n", c.transcript())).isTrue();
            c.quit();

            ReceivedMessage m = sink.awaitMessages(1, WAIT).getFirst();
            assertThat(m.sender()).isEqualTo("new-sender@test.invalid");
            assertThat(m.recipients()).containsExactlyInAnyOrder("rcpt@example.invalid", "added-rcpt@test.invalid");
            assertThat(m.header("Subject")).isEqualTo("changed subject");
            assertThat(m.header("X-Raw-Added")).isEqualTo("added by rawmilter");
            assertThat(m.headers("X-Delete-Me")).isEmpty();
            // index 0 = above Postfix's own Received: header
            assertThat(m.headerNames().getFirst()).isEqualTo("X-Raw-Inserted");
            assertThat(m.headerNames().get(1)).isEqualTo("Received");
            assertThat(m.header("X-Folded")).isEqualTo("first part second part");
            assertThat(m.body()).isEqualTo("replaced body line 1\r\nreplaced body line 2\r\n");
            assertThat(pf.awaitMaillog("from=<new-sender@test.invalid>", WAIT)).contains("qmgr");
            assertThat(milter.packets()).anyMatch(l -> l.contains("\"cmd\": \"E\""));
        }
    }

    @Test
    void nonSmtpSubmissionGoesThroughNonSmtpdMilters() {
        try (RawMilter milter = RawMilter.start("modify", tmp);
             SmtpSink sink = SmtpSink.start();
             PostfixInstance pf = postfix(sink, milter.postfixAddress())) {
            CommandResult r = pf.submit("local@test.invalid", List.of("rcpt@example.invalid"),
                    "Subject: local\n\nhello\n".getBytes(StandardCharsets.UTF_8));
            assertThat(r.ok()).as(r.describe()).isTrue();
            ReceivedMessage m = sink.awaitMessages(1, WAIT).getFirst();
            assertThat(m.header("Subject")).isEqualTo("changed subject");
            assertThat(m.recipients()).contains("added-rcpt@test.invalid");
        }
    }

    @Test
    void multiLineRejectAtRcptIsSeenVerbatim() {
        try (RawMilter milter = RawMilter.start("reject-rcpt-ml", tmp);
             SmtpSink sink = SmtpSink.start();
             PostfixInstance pf = postfix(sink, milter.postfixAddress());
             SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", pf.smtpPort());
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send("sender@test.invalid",
                    List.of("rcpt@example.invalid", "other@example.invalid"), MESSAGE);
            assertThat(t.mail().code()).isEqualTo(250);
            for (SmtpResponse r : t.recipients()) {
                assertThat(r.code()).isEqualTo(550);
                assertThat(r.lines()).containsExactly(
                        "550-5.7.1 first line", "550-5.7.1 second line", "550 5.7.1 last line");
            }
            assertThat(t.data()).isNull();
            assertThat(c.quit().code()).isEqualTo(221);
            pf.awaitMaillog("milter-reject: RCPT from", WAIT);
            assertThat(sink.messages()).isEmpty();
        }
    }

    @Test
    void quarantinedMessageIsHeldAndCanBeReleased() {
        try (RawMilter milter = RawMilter.start("quarantine", tmp);
             SmtpSink sink = SmtpSink.start();
             PostfixInstance pf = postfix(sink, milter.postfixAddress());
             SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", pf.smtpPort());
            c.ehlo("client.test.invalid");
            assertThat(c.send("sender@test.invalid", List.of("rcpt@example.invalid"), MESSAGE).accepted()).isTrue();
            c.quit();

            List<String> held = pf.awaitHeld(1, WAIT);
            assertThat(held).hasSize(1);
            assertThat(pf.queueListing()).contains(held.getFirst() + "!");
            assertThat(pf.awaitMaillog("milter-hold: END-OF-MESSAGE .*milter triggers HOLD action", WAIT)).contains(held.getFirst());
            assertThat(sink.messages()).isEmpty();

            pf.releaseHeld();
            assertThat(sink.awaitMessages(1, WAIT).getFirst().header("Subject")).isEqualTo("original subject");
        }
    }

    @Test
    void deferredMailCanBeDeletedOrFlushed() {
        int sinkPort = LocalPorts.freePort(); // nothing listens yet: delivery is deferred
        try (RawMilter milter = RawMilter.start("continue", tmp);
             PostfixInstance pf = PostfixInstance.builder(tmp.resolve("pfx"))
                     .relayPort(sinkPort).milters(milter.postfixAddress()).start();
             SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", pf.smtpPort());
            c.ehlo("client.test.invalid");
            assertThat(c.send("sender@test.invalid", List.of("rcpt@example.invalid"), "Subject: first\n\nx\n").accepted()).isTrue();
            pf.awaitMaillog("status=deferred", WAIT);
            assertThat(pf.queueIds()).hasSize(1);
            pf.deleteAll();
            assertThat(pf.queueIds()).isEmpty();

            assertThat(c.send("sender@test.invalid", List.of("rcpt@example.invalid"), "Subject: second\n\nx\n").accepted()).isTrue();
            c.quit();
            try (SmtpSink sink = SmtpSink.start(sinkPort)) {
                pf.flushQueue();
                List<ReceivedMessage> got = sink.awaitMessages(1, WAIT);
                assertThat(got).extracting(m -> m.header("Subject")).containsExactly("second");
            }
        }
    }

    @Test
    void failedStartReportsPostfixsOwnMessage() {
        try (SmtpSink sink = SmtpSink.start()) {
            PostfixInstance.Builder b = PostfixInstance.builder(tmp.resolve("pfx"))
                    .relayPort(sink.port()).setting("inet_protocols", "ipv5");
            assertThatThrownBy(b::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("postfix start failed")
                    .hasMessageContaining("ipv5");
        }
    }

    @Test
    void unreachableMilterTempfailsAtMailUntilReconfigured() {
        int nothingThere = LocalPorts.freePort();
        try (SmtpSink sink = SmtpSink.start();
             PostfixInstance pf = postfix(sink, "inet:127.0.0.1:" + nothingThere)) {
            try (SmtpClient c = new SmtpClient(WAIT)) {
                c.connect("127.0.0.1", pf.smtpPort());
                assertThat(c.ehlo("client.test.invalid").code()).isEqualTo(250);
                SmtpTransaction t = c.send("sender@test.invalid", List.of("rcpt@example.invalid"), MESSAGE);
                assertThat(t.mail().code()).isEqualTo(451);
                assertThat(t.mail().lastLine()).startsWith("451 4.7.1");
                assertThat(t.recipients()).isEmpty();
                c.quit();
            }
            pf.awaitMaillog("connect to Milter service inet:127.0.0.1:" + nothingThere + ": Connection refused", WAIT);
            assertThat(pf.queueIds()).isEmpty();
            assertThat(sink.messages()).isEmpty();

            // postconf + reload: the same instance now uses a running milter
            try (RawMilter milter = RawMilter.start("continue", tmp)) {
                pf.postconf("smtpd_milters = " + milter.postfixAddress());
                pf.reload();
                assertThat(pf.postconfValue("smtpd_milters")).isEqualTo(milter.postfixAddress());
                try (SmtpClient c = new SmtpClient(WAIT)) {
                    c.connect("127.0.0.1", pf.smtpPort());
                    c.ehlo("client.test.invalid");
                    assertThat(c.send("sender@test.invalid", List.of("rcpt@example.invalid"), MESSAGE).accepted()).isTrue();
                }
                assertThat(sink.awaitMessages(1, WAIT).getFirst().body()).contains("hello\r\n.leading dot line\r\n");
            }
        }
    }
}
