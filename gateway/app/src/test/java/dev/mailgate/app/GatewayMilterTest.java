// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import static dev.mailgate.milter.codec.MilterConstants.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.core.policy.Policy;
import dev.mailgate.milter.client.BlockingMilterClient;
import dev.mailgate.milter.client.EomResult;
import dev.mailgate.milter.client.MilterClient;
import dev.mailgate.milter.codec.MilterResponse;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The wired gateway driven over real sockets by the milter client, as an MTA would. */
class GatewayMilterTest {
    static final String POLICY = """
            listen:
              - milter: inet:127.0.0.1:0
            milter: { maxPacketSize: 65535 }
            filters:
              - limits: { maxRcptCount: 2 }
            rules:
              onRcptTo:
                - if: rcptTo == "nobody@example.test"
                  then: { reject: "550 5.1.1 first line\\nsecond line" }
              onDataReceived:
                - if: subject.contains("reject-me")
                  then: { reject: "5.7.1 100% refused" }
                - then:
                    - addHeader: "X-Mailgate: ${queueId}"
                    - modifyHeader: { name: Subject, value: "[checked] ${subject}" }
                    - removeHeader: X-Remove
            """;

    private Gateway gateway;
    private final AtomicReference<String> policyText = new AtomicReference<>(POLICY);

    private Policy load() {
        return Policies.loader().parse("test.yaml", policyText.get());
    }

    private String start() throws Exception {
        gateway = Gateway.start(this::load);
        InetSocketAddress a = (InetSocketAddress) gateway.boundAddresses().get(0);
        return "inet:127.0.0.1:" + a.getPort();
    }

    @AfterEach
    void stop() {
        if (gateway != null) gateway.close();
    }

    private static BlockingMilterClient client(String address) throws Exception {
        return MilterClient.open(address).blocking();
    }

    @Test
    void negotiationAsksOnlyForWhatThePolicyUses() throws Exception {
        try (BlockingMilterClient c = client(start())) {
            MilterResponse.OptionNegotiationReply o = c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            assertThat(o.version()).isEqualTo(6);
            assertThat(o.actions()).isEqualTo(SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_SETSYMLIST);
            // nothing decided at HELO or DATA, never per header: no reply expected there
            assertThat(o.protocol() & (SMFIP_NR_HELO | SMFIP_NR_DATA | SMFIP_NR_HDR)).isEqualTo(SMFIP_NR_HELO | SMFIP_NR_DATA | SMFIP_NR_HDR);
            assertThat(o.protocol() & SMFIP_NR_RCPT).isZero();
            // limits only publishes variables at onConnect, and no rule decides there
            assertThat(o.protocol() & SMFIP_NR_CONN).isEqualTo(SMFIP_NR_CONN);
            assertThat(o.protocol() & SMFIP_NOBODY).isEqualTo(SMFIP_NOBODY);
            assertThat(o.macroLists().get(SMFIM_CONNECT)).contains("{daemon_addr}").contains("j");
            // a filter may read anything: every event is sent
            assertThat(o.protocol() & (SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH)).isZero();
        }
    }

    @Test
    void eventsThePolicyHasNoUseForAreNotAskedFor() throws Exception {
        policyText.set("""
                listen:
                  - milter: inet:127.0.0.1:0
                rules:
                  onDataReceived:
                    - then:
                        addHeader: "X-Client: ${remoteSmtpIp} ${remoteSmtpHost} ${remoteSmtpPort} ${mtaHostname} ${mailFrom}"
                """);
        try (BlockingMilterClient c = client(start())) {
            MilterResponse.OptionNegotiationReply o = c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            int skipped = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOHDRS | SMFIP_NOEOH | SMFIP_NOBODY | SMFIP_NODATA;
            assertThat(o.protocol() & skipped).isEqualTo(skipped);
            assertThat(o.protocol() & (SMFIP_NOMAIL | SMFIP_NORCPT)).as("the envelope is always sent").isZero();
            // the client's macros move to MAIL, the first event the MTA still sends
            assertThat(o.macroLists().get(SMFIM_ENVFROM)).contains("{client_addr}", "{client_name}", "{client_port}", "j", "{tls_version}");
            c.macro('M', Map.of("j", "mx.test", "{client_addr}", "IPv6:2001:db8::7", "{client_name}", "unknown", "{client_port}", "40001"));
            assertThat(c.mail("<a@example.test>")).as("NR_MAIL").isNull();
            assertThat(c.rcpt("<b@example.test>")).as("NR_RCPT").isNull();
            EomResult eom = c.endOfMessage();
            assertThat(eom.finalResponse()).isEqualTo(MilterResponse.ACCEPT);
            assertThat(eom.modifications()).containsExactly(
                    new MilterResponse.AddHeader("X-Client", " 2001:db8::7 [2001:db8::7] 40001 mx.test a@example.test"));
            c.quit();
        }
        // an MTA whose client macros are missing or odd: the message still goes through, port 0
        try (BlockingMilterClient c = client("inet:127.0.0.1:" + ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort())) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            c.macro('M', Map.of("j", "mx.test", "{client_port}", "not-a-port"));
            c.mail("<a@example.test>");
            c.rcpt("<b@example.test>");
            EomResult eom = c.endOfMessage();
            assertThat(eom.finalResponse()).isEqualTo(MilterResponse.ACCEPT);
            assertThat(eom.modifications()).containsExactly(new MilterResponse.AddHeader("X-Client", "   0 mx.test a@example.test"));
            c.quit();
        }
    }

    @Test
    void theMtaOfferLimitsWhatIsAskedFor() throws Exception {
        try (BlockingMilterClient c = client(start())) {
            MilterResponse.OptionNegotiationReply o = c.negotiate(2, SMFIF_ADDHDRS, 0x7F);
            assertThat(o.version()).isEqualTo(2);
            assertThat(o.actions()).isEqualTo(SMFIF_ADDHDRS);
            assertThat(o.protocol() & ~0x7F).isZero();
            assertThat(o.macroLists()).isEmpty();
        }
    }

    @Test
    void fullMessageWithRecipientRejectAndEdits() throws Exception {
        try (BlockingMilterClient c = client(start())) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            c.macro('C', Map.of("j", "mx.test", "{daemon_addr}", "127.0.0.1"));
            assertThat(c.connect("client.test", SMFIA_INET, 40000, "192.0.2.7")).as("NR_CONN").isNull();
            c.helo("client.test"); // NR_HELO: no answer awaited
            assertThat(c.mail("<a@example.test>", "SIZE=10")).as("NR_MAIL: nothing decided at MAIL").isNull();
            MilterResponse r = c.rcpt("<nobody@example.test>");
            assertThat(r).isEqualTo(new MilterResponse.ReplyCode("550-5.1.1 first line\r\n550 5.1.1 second line"));
            assertThat(c.rcpt("<b@example.test>")).isEqualTo(MilterResponse.CONTINUE);
            c.macro('T', Map.of("i", "ABC123"));
            c.data();
            c.header("Subject", " hello");
            c.header("X-Remove", " 1");
            c.header("X-Remove", " 2");
            assertThat(c.endOfHeaders()).as("NR_EOH: no header rule").isNull();
            EomResult eom = c.endOfMessage();
            assertThat(eom.finalResponse()).isEqualTo(MilterResponse.ACCEPT);
            // HDR_LEADSPC was negotiated: values carry their own leading space
            assertThat(eom.modifications()).containsExactly(
                    new MilterResponse.AddHeader("X-Mailgate", " ABC123"),
                    new MilterResponse.ChangeHeader(1, "Subject", " [checked] hello"),
                    new MilterResponse.ChangeHeader(2, "X-Remove", ""),
                    new MilterResponse.ChangeHeader(1, "X-Remove", ""));
            c.abort();
            c.abort(); // Postfix sends two before QUIT
            // a second message on the same connection, rejected at the end with '%' doubled
            c.mail("<a@example.test>");
            assertThat(c.rcpt("<b@example.test>")).isEqualTo(MilterResponse.CONTINUE);
            c.header("Subject", " please reject-me");
            c.endOfHeaders();
            EomResult second = c.endOfMessage();
            assertThat(second.modifications()).isEmpty();
            assertThat(second.finalResponse()).isEqualTo(new MilterResponse.ReplyCode("550 5.7.1 100%% refused"));
            // limits: a third recipient is one too many (the refused one did not count)
            c.abort();
            c.mail("<a@example.test>");
            c.rcpt("<1@example.test>");
            c.rcpt("<2@example.test>");
            assertThat(c.rcpt("<3@example.test>")).isEqualTo(new MilterResponse.ReplyCode("452 4.5.3 Too many recipients"));
            c.quit();
        }
    }

    @Test
    void outOfOrderCommandsAndQuitNoCloseAreSurvived() throws Exception {
        try (BlockingMilterClient c = client(start())) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            // RCPT and end of message without CONNECT or MAIL: answered, not fatal
            assertThat(c.rcpt("<b@example.test>")).isEqualTo(MilterResponse.CONTINUE);
            assertThat(c.endOfMessage().finalResponse()).isEqualTo(MilterResponse.ACCEPT);
            c.abort();
            // QUIT_NC: the next CONNECT starts a fresh session on the same socket
            c.async().quitNoClose().get();
            assertThat(c.connect("h", SMFIA_INET6, 2525, "IPv6:2001:db8::5")).as("NR_CONN").isNull();
            c.mail("<a@example.test>");
            assertThat(c.rcpt("<nobody@example.test>")).isInstanceOf(MilterResponse.ReplyCode.class);
        }
    }

    @Test
    void mtaDisconnectMidMessageRemovesTheSpilledBody(@TempDir Path spool) throws Exception {
        policyText.set(POLICY.replace("milter: { maxPacketSize: 65535 }",
                "milter: { maxPacketSize: 65535 }\nmessage: { memoryLimit: 64KiB, tempDirectory: " + spool + " }")
                .replace("filters:", "filters:\n  - test-body-probe: {}"));
        gateway = Gateway.start(this::load);
        String address = "inet:127.0.0.1:" + ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
        BlockingMilterClient c = client(address);
        c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
        c.connect("h", SMFIA_INET, 1, "192.0.2.1");
        c.mail("<a@example.test>");
        c.rcpt("<b@example.test>");
        c.endOfHeaders();
        // nothing is decided per chunk, so the gateway asked for no replies to body chunks (NR_BODY)
        for (int i = 0; i < 3; i++) assertThat(c.body(new byte[65535])).isNull();
        long spillDeadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (var files = Files.list(spool)) {
                if (files.count() == 1) break; // 196605 bytes > 64 KiB: spilled to one file
            }
            assertThat(System.nanoTime()).as("body spilled to disk").isLessThan(spillDeadline);
            Thread.sleep(20);
        }
        c.close(); // the MTA goes away mid-message
        // the next session works normally
        try (BlockingMilterClient d = client(address)) {
            d.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            d.connect("h", SMFIA_INET, 1, "192.0.2.1");
            d.mail("<a@example.test>");
            assertThat(d.rcpt("<nobody@example.test>")).isInstanceOf(MilterResponse.ReplyCode.class);
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            try (var files = Files.list(spool)) {
                if (files.findAny().isEmpty()) break;
            }
            assertThat(System.nanoTime()).as("spilled body removed after the disconnect").isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    @Test
    void garbageClosesThatConnectionOnly() throws Exception {
        String address = start();
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        try (BlockingMilterClient good = client(address)) {
            good.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            try (Socket bad = new Socket("127.0.0.1", port)) {
                bad.setSoTimeout(5000);
                OutputStream out = bad.getOutputStream();
                out.write(new byte[] {0, 0, 0, 5, 'Z', 1, 2, 3, 4}); // unknown command letter
                out.flush();
                assertThat(bad.getInputStream().read()).isEqualTo(-1); // closed by the gateway
            }
            try (Socket big = new Socket("127.0.0.1", port)) {
                big.setSoTimeout(5000);
                // announces 65535 + 2 bytes (command + 65536 data): one more than the limit
                big.getOutputStream().write(new byte[] {0, 1, 0, 1, 'B'});
                big.getOutputStream().flush();
                InputStream in = big.getInputStream();
                assertThat(in.read()).isEqualTo(-1);
            }
            assertThat(good.connect("h", SMFIA_INET, 1, "192.0.2.1")).as("NR_CONN").isNull();
            good.mail("<a@b.test>");
            assertThat(good.rcpt("<c@d.test>")).isEqualTo(MilterResponse.CONTINUE);
        }
    }

    @Test
    void framesUpToTheLimitAreAccepted() throws Exception {
        policyText.set(POLICY.replace("filters:", "message: {}\nfilters:").replace("maxRcptCount: 2 }", "maxRcptCount: 2, maxDataSize: 1MiB }"));
        try (BlockingMilterClient c = client(start())) {
            MilterResponse.OptionNegotiationReply o = c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            assertThat(o.protocol() & SMFIP_NOBODY).isZero();
            c.connect("h", SMFIA_INET, 1, "192.0.2.1");
            c.mail("<a@b.test>");
            c.rcpt("<c@d.test>");
            c.endOfHeaders();
            assertThat(c.body(new byte[65535])).isEqualTo(MilterResponse.CONTINUE); // exactly the maximum
            assertThat(c.endOfMessage().finalResponse()).isEqualTo(MilterResponse.ACCEPT);
        }
    }

    @Test
    void unixSocketListenerWithMode(@TempDir Path dir) throws Exception {
        Path sock = dir.resolve("milter.sock");
        policyText.set(POLICY.replace("- milter: inet:127.0.0.1:0", "- milter: unix:" + sock + "\n    mode: \"0660\""));
        gateway = Gateway.start(this::load);
        assertThat(Files.getPosixFilePermissions(sock)).extracting(Enum::name)
                .containsExactlyInAnyOrder("OWNER_READ", "OWNER_WRITE", "GROUP_READ", "GROUP_WRITE");
        try (BlockingMilterClient c = client("unix:" + sock)) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            assertThat(c.connect("localhost", SMFIA_UNIX, 0, sock.toString())).as("NR_CONN").isNull();
            assertThat(c.rcpt("<nobody@example.test>")).isInstanceOf(MilterResponse.ReplyCode.class);
        }
    }

    @Test
    void failedReloadKeepsTheRunningPolicy() throws Exception {
        String address = start();
        policyText.set("rules:\n  onConnect:\n    - if: nope ==\n      then: reject\n");
        assertThat(gateway.reload()).isFalse();
        try (BlockingMilterClient c = client(address)) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            c.connect("h", SMFIA_INET, 1, "192.0.2.1");
            c.mail("<a@b.test>");
            assertThat(c.rcpt("<nobody@example.test>")).isInstanceOf(MilterResponse.ReplyCode.class);
        }
        policyText.set(POLICY.replace("nobody@example.test", "other@example.test"));
        assertThat(gateway.reload()).isTrue();
        try (BlockingMilterClient c = client(address)) {
            c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
            c.connect("h", SMFIA_INET, 1, "192.0.2.1");
            c.mail("<a@b.test>");
            assertThat(c.rcpt("<nobody@example.test>")).isEqualTo(MilterResponse.CONTINUE);
        }
    }
}
