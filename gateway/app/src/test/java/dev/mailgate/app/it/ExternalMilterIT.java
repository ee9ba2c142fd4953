// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.testkit.mta.LocalPorts;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The milter filter with real downstream milters behind a real Postfix: OpenDKIM signs through the
 * gateway (its inserted DKIM-Signature arrives at the sink); the packet-level test milter
 * rawmilter.py in modify mode (when the shared reference tools are present) has every kind of
 * change it makes arrive; a stopped downstream gives the onError verdict.
 */
class ExternalMilterIT {
    static MailPath path;
    static OpenDkimDaemon opendkim;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(OpenDkimDaemon.isAvailable(), "opendkim is not installed (run .ci/deps/external.sh)");
        path = MailPath.start("milter-it", "rules: {}\n");
        opendkim = OpenDkimDaemon.start(path.dir.resolve("opendkim"));
    }

    @AfterAll
    static void stop() {
        if (opendkim != null) opendkim.close();
        if (path != null) path.close();
    }

    static String message(String subject) {
        return "From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: " + subject + "\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\nX-Delete-Me: yes\r\n\r\nsigned body\r\n";
    }

    @Test
    void openDkimSignsThroughTheGateway() throws Exception {
        path.use("filters:\n  - milter: { name: opendkim, address: \"" + opendkim.address() + "\", timeout: 10s }\n"
                + "rules:\n  onDataReceived:\n    - then: { addHeader: \"X-Dkim-Answer: ${opendkim.result}\" }\n");
        for (int i = 0; i < 2; i++) {
            SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("dkim " + i));
            assertThat(t.data().code()).isEqualTo(250);
        }
        List<ReceivedMessage> got = path.sink.awaitMessages(2, MailPath.WAIT);
        for (ReceivedMessage m : got) {
            String sig = m.header("DKIM-Signature");
            assertThat(sig).as(m.text()).isNotNull().contains("d=" + OpenDkimDaemon.DOMAIN).contains("s=" + OpenDkimDaemon.SELECTOR).contains("bh=");
            assertThat(m.headerNames().get(0)).as("OpenDKIM inserts its signature at the top").isEqualTo("DKIM-Signature");
            assertThat(m.header("X-Dkim-Answer")).isIn("accept", "continue");
        }
        assertThat(path.problems()).isEmpty();
    }

    @Test
    void everyChangeOfAPacketLevelMilterArrives() throws Exception {
        Path raw = Path.of(System.getProperty("mailgate.rawmilter", "../../../shared/reference/tools/rawmilter.py")).toAbsolutePath().normalize();
        assumeTrue(Files.isReadable(raw), "rawmilter.py not found at " + raw);
        int port = LocalPorts.freePort();
        try (ExternalDaemon rawmilter = ExternalDaemon.start("rawmilter", List.of("python3", raw.toString(), "--port", Integer.toString(port),
                "--mode", "modify", "--log", path.dir.resolve("rawmilter.jsonl").toString()), path.dir.resolve("rawmilter.out"),
                Duration.ofSeconds(20), () -> LocalPorts.isListening(port))) {
            path.use("filters:\n  - milter: { name: raw, address: \"inet:127.0.0.1:" + port + "\", timeout: 10s }\n");
            SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("to be changed"));
            assertThat(t.data().code()).isEqualTo(250);
            List<ReceivedMessage> got = path.sink.awaitMessages(1, MailPath.WAIT);
            ReceivedMessage m = got.get(0);
            assertThat(m.header("X-Raw-Added")).isEqualTo("added by rawmilter");
            assertThat(m.headerNames().get(0)).isEqualTo("X-Raw-Inserted");
            assertThat(m.header("Subject")).isEqualTo("changed subject");
            assertThat(m.headers("X-Delete-Me")).isEmpty();
            assertThat(m.sender()).isEqualTo("new-sender@test.invalid");
            assertThat(m.body()).contains("replaced body line 1").doesNotContain("signed body");
            assertThat(m.recipients()).containsExactlyInAnyOrder("b@example.invalid", "added-rcpt@test.invalid");
            assertThat(Files.readString(path.dir.resolve("rawmilter.jsonl"))).contains("\"cmd\": \"C\"").contains("\"cmd\": \"H\"")
                    .contains("\"cmd\": \"M\"").contains("\"cmd\": \"R\"").contains("\"cmd\": \"L\"").contains("\"cmd\": \"B\"");
        }
    }

    @Test
    void aStoppedDownstreamGivesTheOnErrorVerdictAndOneLogLine() throws Exception {
        OpenDkimDaemon second = OpenDkimDaemon.start(path.dir.resolve("opendkim-stopped"));
        second.close();
        path.use("filters:\n  - milter: { name: dkim2, address: \"" + second.address() + "\", timeout: 5s, onError: tempreject }\n");
        SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("down"));
        assertThat(t.mail().code()).as("refused at connect, which Postfix reports at MAIL").isEqualTo(451);
        path.assertNothingDelivered();
        List<String> lines = path.problems().stream().filter(l -> l.contains("filter=dkim2")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("milter dkim2 at").contains("onError=tempreject");
    }
}
