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
 * The rspamd filter against a real rspamd (minimal local configuration, no network modules)
 * behind a real Postfix: GTUBE gets rspamd's reject, a scored message its "add header" with the
 * headers rspamd asks for, clean mail passes.
 */
class ExternalRspamdIT {
    static MailPath path;
    static RspamdDaemon rspamd;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(RspamdDaemon.isAvailable(), "rspamd is not installed (run .ci/deps/external.sh)");
        path = MailPath.start("rspamd-it", "rules: {}\n");
        rspamd = RspamdDaemon.start(path.dir.resolve("rspamd"));
    }

    @AfterAll
    static void stop() {
        if (rspamd != null) rspamd.close();
        if (path != null) path.close();
    }

    static String message(String subject, String body) {
        return "From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: " + subject + "\r\nDate: Mon, 23 Nov 2026 10:00:00 +0000\r\n"
                + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\nX-Spam-Status: forged\r\n\r\n" + body + "\r\n";
    }

    @Test
    void rspamdsActionDecides() throws Exception {
        path.use("""
                filters:
                  - rspamd: { name: rspamd, address: "%s", timeout: 30s }
                rules:
                  onDataReceived:
                    - then: { addHeader: "X-Rspamd-Action: ${rspamd.result}" }
                """.formatted(rspamd.address()));
        SmtpTransaction gtube = path.send("a@test.invalid", "b@example.invalid", message("offer", SpamdDaemon.gtube()));
        assertThat(gtube.data().code()).isEqualTo(554);
        assertThat(gtube.data().lastLine()).contains("5.7.1").contains("Gtube pattern");

        assertThat(path.send("a@test.invalid", "b@example.invalid", message("rspamd-add-header please", "scored body")).data().code()).isEqualTo(250);
        assertThat(path.send("a@test.invalid", "b@example.invalid", message("lunch", "Shall we have lunch tomorrow?")).data().code()).isEqualTo(250);
        List<ReceivedMessage> got = path.sink.awaitMessages(2, MailPath.WAIT);
        ReceivedMessage tagged = got.stream().filter(m -> m.header("Subject").startsWith("rspamd-add-header")).findFirst().orElseThrow();
        ReceivedMessage ham = got.stream().filter(m -> m.header("Subject").equals("lunch")).findFirst().orElseThrow();
        assertThat(tagged.header("X-Rspamd-Action")).isEqualTo("add header");
        assertThat(tagged.header("X-Spam")).isEqualTo("Yes");
        assertThat(tagged.headers("X-Spam-Status")).as("rspamd removed the forged one and added its own").containsExactly("Yes, score=7.00");
        assertThat(tagged.header("X-Spamd-Result")).contains("MAILGATE_TEST_SPAM(7.00)");
        assertThat(ham.header("X-Rspamd-Action")).isEqualTo("no action");
        assertThat(ham.headers("X-Spam")).isEmpty();
        assertThat(path.problems()).isEmpty();
    }

    @Test
    void aStoppedRspamdGivesTheOnErrorVerdict() throws Exception {
        path.use("filters:\n  - rspamd: { name: rspamd, address: \"http://127.0.0.1:1\", timeout: 5s, onError: tempreject }\n");
        SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("down", "x"));
        assertThat(t.data().code()).isEqualTo(451);
        path.assertNothingDelivered();
        assertThat(path.problems().stream().filter(l -> l.contains("filter=rspamd")).toList()).hasSize(1)
                .allMatch(l -> l.contains("rspamd at http://127.0.0.1:1/checkv2: cannot connect"));
    }
}
