// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Proves {@link SendmailInstance} against the reference milter rawmilter.py. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SendmailMilterIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @BeforeAll
    static void requireSendmail() {
        assumeTrue(SendmailInstance.isAvailable(), SendmailInstance::unavailableReason);
    }

    @Test
    void modifyModeEditsReachTheSink() {
        try (RawMilter milter = RawMilter.start("modify", tmp);
             SmtpSink sink = SmtpSink.start();
             SendmailInstance sm = SendmailInstance.builder(tmp.resolve("sm"))
                     .relayPort(sink.port()).milterPort(milter.port()).start();
             SmtpClient c = new SmtpClient(WAIT)) {
            assertThat(c.connect("127.0.0.1", sm.smtpPort()).lastLine()).contains("Sendmail 8.17");
            assertThat(c.ehlo("client.test.invalid").code()).isEqualTo(250);
            SmtpTransaction t = c.send("sender@test.invalid", List.of("rcpt@example.invalid"), """
                    From: sender@test.invalid
                    To: rcpt@example.invalid
                    Subject: original subject
                    X-Delete-Me: please

                    hello
                    """);
            assertThat(t.accepted()).as(String.join("\n", c.transcript())).isTrue();
            c.quit();

            ReceivedMessage m = sink.awaitMessages(1, WAIT).getFirst();
            assertThat(m.sender()).isEqualTo("new-sender@test.invalid");
            assertThat(m.recipients()).containsExactlyInAnyOrder("rcpt@example.invalid", "added-rcpt@test.invalid");
            assertThat(m.header("Subject")).isEqualTo("changed subject");
            assertThat(m.header("X-Raw-Added")).isEqualTo("added by rawmilter");
            assertThat(m.headers("X-Delete-Me")).isEmpty();
            assertThat(m.headerNames().getFirst()).isEqualTo("X-Raw-Inserted");
            assertThat(m.body()).isEqualTo("replaced body line 1\r\nreplaced body line 2\r\n");
            assertThat(m.helo()).isEqualTo("smtest.test.invalid");
        }
    }

    @Test
    void unreachableMilterWithFlagTTempfails() {
        int nothingThere = LocalPorts.freePort();
        try (SmtpSink sink = SmtpSink.start();
             SendmailInstance sm = SendmailInstance.builder(tmp.resolve("sm"))
                     .relayPort(sink.port()).milterPort(nothingThere).start();
             SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", sm.smtpPort());
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send("sender@test.invalid", List.of("rcpt@example.invalid"), "Subject: x\n\nhello\n");
            // F=T: Sendmail answers the first transaction command with a tempfail (seen: 451 4.3.2 at MAIL)
            assertThat(t.mail().code()).as(String.join("\n", c.transcript())).isEqualTo(451);
            assertThat(t.mail().lastLine()).startsWith("451 4.3.2");
            assertThat(t.accepted()).isFalse();
            assertThat(sink.messages()).isEmpty();
        }
    }
}
