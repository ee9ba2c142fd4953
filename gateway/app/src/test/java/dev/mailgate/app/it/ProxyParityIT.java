// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static dev.mailgate.milter.codec.MilterConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.core.session.Session;
import dev.mailgate.milter.client.BlockingMilterClient;
import dev.mailgate.milter.client.EomResult;
import dev.mailgate.milter.client.MilterClient;
import dev.mailgate.milter.codec.MilterResponse;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpResponse;
import dev.mailgate.testkit.mta.SmtpSink;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Adapter parity: one scenario set through both front ends of the same gateway (a milter client
 * playing the MTA, and an SMTP client through the proxy to a sink), comparing the verdict at RCPT
 * and at the end of data, the header the policy built from the transaction's variables, and the
 * connection variables the session ended with.
 */
class ProxyParityIT {
    static final Duration WAIT = Duration.ofSeconds(20);
    static final List<String> CONNECTION_VARS = List.of("remoteSmtpIp", "remoteSmtpHost", "ehloHost", "isESMTP",
            "isSSLConnection", "mailCount", "totalMailSize");

    static SmtpSink sink;
    static Gateway gateway;
    static String milterAddress;
    static int proxyPort;
    static final List<Session> sessions = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        sink = SmtpSink.start();
        String policy = """
                listen:
                  - milter: inet:127.0.0.1:0
                  - smtp: inet:127.0.0.1:0
                    downstream: inet:127.0.0.1:%d
                    xclient: false
                rules:
                  onRcptTo:
                    - if: rcptTo == "unknown@example.invalid"
                      then: { reject: "550 5.1.1 no such user" }
                  onDataReceived:
                    - if: subject.contains("reject-me")
                      then: { reject: "554 5.7.1 content refused" }
                    - if: subject.contains("defer-me")
                      then: { tempreject: "451 4.7.1 deferred" }
                    - if: subject.contains("discard-me")
                      then: discard
                    - then:
                        - addHeader: "X-Seen: ${mailFrom}|${recipients}|${rcptCount}|${subject}|${messageSize}|${headerCount}|${ehloHost}"
                """.formatted(sink.port());
        gateway = Gateway.start(() -> TestPolicies.parse("parity.yaml", policy));
        gateway.pipeline().observeSessions(sessions::add);
        milterAddress = "inet:127.0.0.1:" + ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
        proxyPort = ((InetSocketAddress) gateway.boundAddresses().get(1)).getPort();
    }

    @AfterAll
    static void stop() {
        if (gateway != null) gateway.close();
        if (sink != null) sink.close();
    }

    /** What one front end reported: verdict at RCPT, at the end, the X-Seen header, the connection variables. */
    record Outcome(String rcpt, String end, String seen, Map<String, Object> vars) {}

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "accept with header, b@example.invalid, hello",
            "reject at RCPT, unknown@example.invalid, hello",
            "reject at end, b@example.invalid, please reject-me",
            "tempreject at end, b@example.invalid, defer-me",
            "discard, b@example.invalid, discard-me"})
    void bothFrontEndsDecideAlike(String name, String rcpt, String subject) throws Exception {
        Outcome milter = viaMilter(rcpt, subject);
        Outcome proxy = viaProxy(rcpt, subject);
        assertThat(proxy).isEqualTo(milter);
        assertThat(milter.vars()).containsEntry("remoteSmtpIp", "127.0.0.1").containsEntry("mailCount", 1L);
        if (name.startsWith("accept")) {
            assertThat(milter.seen()).isEqualTo("a@test.invalid|b@example.invalid|1|hello|63|2|client.test.invalid");
        }
    }

    static final String BODY = "line one\r\n.dot line\r\n";

    private Outcome viaMilter(String rcpt, String subject) throws Exception {
        int before = sessions.size();
        String rcptVerdict;
        String end = "-";
        String seen = "-";
        try (BlockingMilterClient c = MilterClient.open(milterAddress).blocking()) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            c.connect("[127.0.0.1]", SMFIA_INET, 40000, "127.0.0.1");
            c.helo("client.test.invalid");
            c.mail("<a@test.invalid>");
            rcptVerdict = milterVerdict(c.rcpt("<" + rcpt + ">"));
            if (rcptVerdict.equals("continue")) {
                c.data();
                c.header("From", " <a@test.invalid>");
                c.header("Subject", " " + subject);
                c.endOfHeaders();
                c.body(BODY.getBytes(StandardCharsets.UTF_8));
                EomResult eom = c.endOfMessage();
                end = milterVerdict(eom.finalResponse());
                for (MilterResponse m : eom.modifications()) {
                    if (m instanceof MilterResponse.AddHeader h && h.name().equals("X-Seen")) seen = h.value().strip();
                }
            }
            c.quit();
        }
        return new Outcome(rcptVerdict, end, seen, connectionVars(before));
    }

    private Outcome viaProxy(String rcpt, String subject) throws Exception {
        sink.clear();
        int before = sessions.size();
        String rcptVerdict;
        String end = "-";
        String seen = "-";
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", proxyPort);
            c.ehlo("client.test.invalid");
            c.mail("a@test.invalid");
            SmtpResponse r = c.rcpt(rcpt);
            rcptVerdict = r.code() == 250 ? "continue" : smtpVerdict(r);
            if (r.code() == 250) {
                SmtpResponse d = c.data("From: <a@test.invalid>\r\nSubject: " + subject + "\r\n\r\n" + BODY);
                if (d.code() == 250) {
                    // accept and discard both answer 250: the sink tells them apart
                    Thread.sleep(300);
                    List<ReceivedMessage> got = sink.messages();
                    end = got.isEmpty() ? "discard" : "accept";
                    if (!got.isEmpty() && got.get(0).header("X-Seen") != null) seen = got.get(0).header("X-Seen");
                } else {
                    end = smtpVerdict(d);
                }
            }
            c.quit();
        }
        return new Outcome(rcptVerdict, end, seen, connectionVars(before));
    }

    private static String milterVerdict(MilterResponse r) {
        if (r == null || r.equals(MilterResponse.CONTINUE)) return "continue";
        if (r.equals(MilterResponse.ACCEPT)) return "accept";
        if (r.equals(MilterResponse.DISCARD)) return "discard";
        if (r instanceof MilterResponse.ReplyCode rc) return rc.text().replace("\r\n", " | ");
        return r.toString();
    }

    private static String smtpVerdict(SmtpResponse r) {
        return String.join(" | ", r.lines());
    }

    /** The connection variables of the session opened after {@code before}, once it has ended. */
    private static Map<String, Object> connectionVars(int before) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (sessions.size() <= before && System.nanoTime() < deadline) Thread.sleep(20);
        Thread.sleep(200); // the Disconnect event is processed after the client saw QUIT's reply
        Map<String, Object> all = sessions.get(before).variables();
        Map<String, Object> out = new TreeMap<>();
        for (String k : CONNECTION_VARS) out.put(k, all.get(k));
        return out;
    }
}
