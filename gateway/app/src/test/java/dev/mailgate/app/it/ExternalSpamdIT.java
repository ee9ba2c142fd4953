// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The spamd filter against a real spamd (SpamAssassin's rules as Debian ships them) behind a real
 * Postfix: GTUBE is tagged or refused as the policy says, plain mail arrives with its status.
 */
class ExternalSpamdIT {
    static MailPath path;
    static SpamdDaemon spamd;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(SpamdDaemon.isAvailable(), "spamd is not installed (run .ci/deps/external.sh)");
        path = MailPath.start("spamd-it", "rules: {}\n");
        spamd = SpamdDaemon.start(path.dir.resolve("spamd"));
    }

    @AfterAll
    static void stop() {
        if (spamd != null) spamd.close();
        if (path != null) path.close();
    }

    static String message(String subject, String body) {
        return "From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: " + subject + "\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\n\r\n" + body + "\r\n";
    }

    @Test
    void gtubeIsTaggedAndHamPassesWithItsStatus() throws Exception {
        path.use("filters:\n  - spamd: { name: sa, address: \"" + spamd.address() + "\", subjectTag: \"[SPAM]\", timeout: 30s }\n");
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("lunch", "Shall we have lunch tomorrow at noon?")).data().code()).isEqualTo(250);
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("offer", SpamdDaemon.gtube())).data().code()).isEqualTo(250);
        List<ReceivedMessage> got = path.sink.awaitMessages(2, MailPath.WAIT);
        ReceivedMessage ham = got.stream().filter(m -> m.header("Subject").equals("lunch")).findFirst().orElseThrow();
        ReceivedMessage spam = got.stream().filter(m -> m.header("Subject").contains("offer")).findFirst().orElseThrow();
        assertThat(ham.header("X-Spam-Status")).startsWith("No, score=");
        assertThat(ham.headers("X-Spam-Flag")).isEmpty();
        assertThat(spam.header("Subject")).isEqualTo("[SPAM] offer");
        assertThat(spam.header("X-Spam-Flag")).isEqualTo("YES");
        assertThat(spam.header("X-Spam-Status")).startsWith("Yes, score=10").contains("required=5.0").contains("GTUBE");
        assertThat(Double.parseDouble(spam.header("X-Spam-Score"))).isGreaterThanOrEqualTo(1000.0);
        assertThat(path.problems()).isEmpty();
    }

    @Test
    void gtubeIsRefusedWhenThePolicySaysSo() throws Exception {
        path.use("filters:\n  - spamd: { name: sa, address: \"" + spamd.address() + "\", onSpam: reject, reply: \"550 5.7.1 spam, score {score}\", timeout: 30s }\n");
        SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("offer", SpamdDaemon.gtube()));
        assertThat(t.data().code()).isEqualTo(550);
        assertThat(t.data().lastLine()).matches("550 5\\.7\\.1 spam, score 10\\d\\d\\.\\d");
        path.assertNothingDelivered();
    }

    @Test
    void findingsFeedThePolicysOwnScores() throws Exception {
        path.use("""
                filters:
                  - spamd: { name: sa, address: "%s", onSpam: continue, headers: off, timeout: 30s }
                scores: { SPAMD_GTUBE: 20 }
                actions: { reject: 15 }
                """.formatted(spamd.address()));
        SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("offer", SpamdDaemon.gtube()));
        assertThat(t.data().code()).isEqualTo(550);
        assertThat(t.data().lastLine()).contains("score 20");
        path.assertNothingDelivered();
    }
}
