// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import static dev.mailgate.milter.codec.MilterConstants.SMFIF_ADDHDRS;
import static dev.mailgate.milter.codec.MilterConstants.SMFIP_NR_HDR;
import static dev.mailgate.milter.codec.MilterConstants.SMFIP_NR_HELO;
import static dev.mailgate.milter.codec.MilterConstants.SMFI_CURR_ACTS;
import static dev.mailgate.milter.codec.MilterConstants.SMFI_CURR_PROT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.milter.codec.LeakCheck;
import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterResponse;
import dev.mailgate.milter.codec.MilterResponse.OptionNegotiationReply;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** MilterClient against an in-test milter over TCP and Unix sockets. */
@ExtendWith(LeakCheck.class)
class MilterClientTest {
    private static EventLoopGroup serverGroup;
    private static EventLoopGroup nioGroup;
    private final List<AutoCloseable> resources = new ArrayList<>();

    @TempDir
    Path tmp;

    @BeforeAll
    static void startGroups() {
        serverGroup = new MultiThreadIoEventLoopGroup(2,
                Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        nioGroup = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    @AfterAll
    static void stopGroups() {
        serverGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        nioGroup.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @AfterEach
    void closeResources() throws Exception {
        for (AutoCloseable c : resources.reversed()) {
            c.close();
        }
    }

    private <T extends AutoCloseable> T use(T resource) {
        resources.add(resource);
        return resource;
    }

    private TestMilter tcpMilter() throws InterruptedException {
        return use(TestMilter.tcp(serverGroup));
    }

    private MilterClient open(TestMilter milter, MilterClient.Options options) throws MilterClientException {
        return use(MilterClient.open(milter.address(), options));
    }

    private static MilterClient.Options fast() {
        return MilterClient.Options.defaults().withRequestTimeout(Duration.ofSeconds(10));
    }

    @Test
    void fullSessionOverTcp() throws Exception {
        TestMilter milter = tcpMilter();
        session(milter, open(milter, fast()));
    }

    @Test
    void fullSessionOverUnixSocket() throws Exception {
        TestMilter milter = use(TestMilter.unix(serverGroup, tmp.resolve("milter.sock")));
        session(milter, open(milter, fast()));
    }

    @Test
    void fullSessionOverUnixSocketWithNio() throws Exception {
        TestMilter milter = use(TestMilter.unix(nioGroup, tmp.resolve("nio.sock")));
        session(milter, open(milter, fast().withGroup(nioGroup)));
    }

    @Test
    void fullSessionOverTcpWithSharedNioGroup() throws Exception {
        TestMilter milter = tcpMilter();
        session(milter, open(milter, fast().withGroup(nioGroup)));
    }

    /** The Postfix sequence of section 2, checked from both ends. */
    private static void session(TestMilter milter, MilterClient client) throws Exception {
        BlockingMilterClient c = client.blocking();
        OptionNegotiationReply reply = c.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT);
        assertThat(reply).isEqualTo(new OptionNegotiationReply(6, SMFIF_ADDHDRS, 0));
        c.macro('C', Map.of("j", "mx.test.invalid"));
        assertThat(c.connect("localhost", '4', 40398, "127.0.0.1")).isEqualTo(MilterResponse.CONTINUE);
        assertThat(c.helo("client.test.invalid")).isEqualTo(MilterResponse.CONTINUE);
        assertThat(c.mail("<sender@test.invalid>", "SIZE=10")).isEqualTo(MilterResponse.CONTINUE);
        assertThat(c.rcpt("<rcpt@example.invalid>")).isEqualTo(MilterResponse.CONTINUE);
        assertThat(c.data()).isEqualTo(MilterResponse.CONTINUE);
        assertThat(c.header("Subject", "hello")).isEqualTo(MilterResponse.CONTINUE);
        assertThat(c.endOfHeaders()).isEqualTo(MilterResponse.CONTINUE);
        assertThat(c.body("line one\r\n".getBytes(StandardCharsets.US_ASCII))).isEqualTo(MilterResponse.CONTINUE);
        EomResult eom = c.endOfMessage();
        assertThat(eom.finalResponse()).isEqualTo(MilterResponse.ACCEPT);
        assertThat(eom.modifications()).containsExactly(
                new MilterResponse.AddHeader("X-Test-Milter", "message 1"), MilterResponse.PROGRESS);
        assertThat(eom.edits()).containsExactly(new MilterResponse.AddHeader("X-Test-Milter", "message 1"));
        c.abort();
        c.quit();
        assertThat(client.isOpen()).isFalse();
        awaitReceived(milter, 13);
        assertThat(milter.received).extracting(MilterCommand::code).containsExactly(
                'O', 'D', 'C', 'H', 'M', 'R', 'T', 'L', 'N', 'B', 'E', 'A', 'Q');
    }

    /** The client is done once Q is written; the milter reads it a moment later. */
    private static void awaitReceived(TestMilter milter, int count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (milter.received.size() < count && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    @Test
    void noReplyCommandsCompleteWithoutAnAnswer() throws Exception {
        TestMilter milter = tcpMilter();
        milter.requestedProtocol = SMFIP_NR_HELO | SMFIP_NR_HDR;
        MilterClient client = open(milter, fast());
        OptionNegotiationReply reply = client.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT).get(5, TimeUnit.SECONDS);
        assertThat(reply.protocol()).isEqualTo(SMFIP_NR_HELO | SMFIP_NR_HDR);
        assertThat(client.negotiatedProtocol()).isEqualTo(reply.protocol());
        // sent back to back: the silent ones must not steal the answers meant for the others
        CompletableFuture<MilterResponse> conn = client.connect("h", '4', 1, "192.0.2.1");
        CompletableFuture<MilterResponse> helo = client.helo("h");
        CompletableFuture<MilterResponse> mail = client.mail("<a@b>");
        CompletableFuture<MilterResponse> hdr = client.header("X", "y");
        CompletableFuture<MilterResponse> eoh = client.endOfHeaders();
        assertThat(helo.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(hdr.get(5, TimeUnit.SECONDS)).isNull();
        assertThat(conn.get(5, TimeUnit.SECONDS)).isEqualTo(MilterResponse.CONTINUE);
        assertThat(mail.get(5, TimeUnit.SECONDS)).isEqualTo(MilterResponse.CONTINUE);
        assertThat(eoh.get(5, TimeUnit.SECONDS)).isEqualTo(MilterResponse.CONTINUE);
    }

    @Test
    void pipelinedRequestsAreMatchedInOrder() throws Exception {
        TestMilter milter = tcpMilter();
        milter.override = cmd -> cmd instanceof MilterCommand.RcptTo r && r.recipient().equals("<bad@x>")
                ? List.of(MilterResponse.ReplyCode.of(550, "5.1.1", List.of("no such user")))
                : null;
        MilterClient client = open(milter, fast());
        client.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT).get(5, TimeUnit.SECONDS);
        List<CompletableFuture<MilterResponse>> answers = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            answers.add(client.rcpt(i % 10 == 3 ? "<bad@x>" : "<ok" + i + "@x>"));
        }
        for (int i = 0; i < 50; i++) {
            MilterResponse r = answers.get(i).get(5, TimeUnit.SECONDS);
            if (i % 10 == 3) {
                assertThat(r).isEqualTo(new MilterResponse.ReplyCode("550 5.1.1 no such user"));
            } else {
                assertThat(r).isEqualTo(MilterResponse.CONTINUE);
            }
        }
    }

    @Test
    void macrosAndCommandTravelTogether() throws Exception {
        TestMilter milter = tcpMilter();
        MilterClient client = open(milter, fast());
        client.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT).get(5, TimeUnit.SECONDS);
        assertThat(client.send(new MilterCommand.Helo("h"), Map.of("{tls_version}", "TLSv1.3")).get(5, TimeUnit.SECONDS))
                .isEqualTo(MilterResponse.CONTINUE);
        EomResult eom = client.endOfMessage("last chunk".getBytes(StandardCharsets.US_ASCII)).get(5, TimeUnit.SECONDS);
        assertThat(eom.finalResponse()).isEqualTo(MilterResponse.ACCEPT);
        assertThat(milter.received).containsExactly(
                new MilterCommand.OptionNegotiation(6, SMFI_CURR_ACTS, SMFI_CURR_PROT),
                new MilterCommand.MacroDefinition('H', Map.of("{tls_version}", "TLSv1.3")),
                new MilterCommand.Helo("h"),
                new MilterCommand.EndOfMessage("last chunk".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void silentMilterTimesOutAndTheConnectionIsClosed() throws Exception {
        TestMilter milter = tcpMilter();
        milter.override = cmd -> cmd instanceof MilterCommand.Helo ? List.of() : null;
        MilterClient client = open(milter, fast().withRequestTimeout(Duration.ofMillis(200)));
        client.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT).get(5, TimeUnit.SECONDS);
        CompletableFuture<MilterResponse> helo = client.helo("h");
        assertThatThrownBy(() -> helo.get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(TimeoutException.class).hasMessageContaining("SMFIC_HELO ('H')");
        client.closeFuture().get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> client.blocking().mail("<a@b>"))
                .isInstanceOf(MilterClientException.class);
    }

    @Test
    void editOutsideEndOfMessageIsAProtocolViolation() throws Exception {
        TestMilter milter = tcpMilter();
        milter.override = cmd -> cmd instanceof MilterCommand.Helo ? List.of(new MilterResponse.AddHeader("X", "y")) : null;
        MilterClient client = open(milter, fast());
        client.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT).get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> client.blocking().helo("h"))
                .isInstanceOf(MilterClientException.class)
                .hasMessageContaining("protocol violation")
                .hasMessageContaining("only allowed at end-of-message");
    }

    @Test
    void wrongAnswerToNegotiationIsAProtocolViolation() throws Exception {
        TestMilter milter = tcpMilter();
        milter.override = cmd -> List.of(MilterResponse.CONTINUE);
        MilterClient client = open(milter, fast());
        assertThatThrownBy(() -> client.blocking().negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT))
                .isInstanceOf(MilterClientException.class)
                .hasMessageContaining("SMFIR_CONTINUE ('c') in answer to SMFIC_OPTNEG ('O')");
    }

    @Test
    void malformedPacketFailsTheRequest() throws Exception {
        TestMilter milter = tcpMilter();
        // a reply text that is not 4xx/5xx: the MTA side must refuse it, not pass it on
        milter.rawOverride = cmd -> cmd instanceof MilterCommand.Helo
                ? new byte[] {0, 0, 0, 8, 'y', '2', '5', '0', ' ', 'o', 'k', 0} : null;
        MilterClient client = open(milter, fast());
        client.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT).get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> client.blocking().helo("h"))
                .isInstanceOf(MilterClientException.class)
                .hasMessageContaining("malformed packet from milter: SMFIR_REPLYCODE ('y')");
        client.closeFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void unsolicitedPacketClosesTheConnection() throws Exception {
        TestMilter milter = tcpMilter();
        milter.override = cmd -> cmd instanceof MilterCommand.Abort ? List.of(MilterResponse.CONTINUE) : null;
        MilterClient client = open(milter, fast());
        client.negotiate(6, SMFI_CURR_ACTS, SMFI_CURR_PROT).get(5, TimeUnit.SECONDS);
        client.abort().get(5, TimeUnit.SECONDS);
        client.closeFuture().get(5, TimeUnit.SECONDS);
        assertThat(client.isOpen()).isFalse();
    }

    @Test
    void connectionRefused() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        assertThatThrownBy(() -> MilterClient.open("inet:127.0.0.1:" + port))
                .isInstanceOf(MilterClientException.class)
                .hasMessageContaining("cannot connect to milter at inet:127.0.0.1:" + port);
    }

    @Test
    void endOfMessageIsNotAcceptedBySend() throws Exception {
        TestMilter milter = tcpMilter();
        MilterClient client = open(milter, fast());
        assertThatThrownBy(() -> client.send(MilterCommand.END_OF_MESSAGE))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
