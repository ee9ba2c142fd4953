// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.ReceivedMessage;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The clamd filter against a real clamd (package clamav-daemon, a signature database written by
 * the test) behind a real Postfix: EICAR is refused, clean mail arrives marked, and a stopped or
 * hanging clamd gives the configured onError within the deadline, loses nothing, and is logged
 * in one line.
 */
class ExternalClamdIT {
    static MailPath path;
    static ClamdDaemon clamd;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(PostfixInstance.isAvailable(), "postfix is not installed (run .ci/install-test-deps.sh)");
        assumeTrue(ClamdDaemon.isAvailable(), "clamd is not installed (run .ci/deps/external.sh)");
        path = MailPath.start("clamd-it", "rules: {}\n");
        clamd = ClamdDaemon.start(Files.createDirectories(path.dir.resolve("clamd")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (clamd != null) clamd.close();
        if (path != null) path.close();
    }

    static String chain(String address, String extra) {
        String timeout = extra.contains("timeout: ") && !extra.contains("ioTimeout") ? "" : ", timeout: 10s";
        return "filters:\n  - clamd: { name: clamav, address: \"" + address + "\"" + timeout + extra + " }\n";
    }

    static String message(String subject, boolean eicar, String extraHeaders) {
        String attachment = eicar ? Base64.getMimeEncoder().encodeToString(ClamdDaemon.eicar()) : Base64.getMimeEncoder().encodeToString("just a file".getBytes());
        return "From: <a@test.invalid>\r\nTo: <b@example.invalid>\r\nSubject: " + subject + "\r\n" + extraHeaders
                + "Message-Id: <" + System.nanoTime() + "@test.invalid>\r\nMIME-Version: 1.0\r\n"
                + "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
                + "--b1\r\nContent-Type: text/plain\r\n\r\nsee the attachment\r\n"
                + "--b1\r\nContent-Type: application/octet-stream; name=\"file.com\"\r\nContent-Transfer-Encoding: base64\r\n"
                + "Content-Disposition: attachment; filename=\"file.com\"\r\n\r\n" + attachment + "\r\n--b1--\r\n";
    }

    @Test
    void eicarIsRejectedAndCleanMailArrivesMarked() throws Exception {
        path.use(chain(clamd.address(), ""));
        SmtpTransaction bad = path.send("a@test.invalid", "b@example.invalid", message("eicar", true, ""));
        assertThat(bad.data().code()).isEqualTo(554);
        assertThat(bad.data().lastLine()).contains("5.7.1").contains(ClamdDaemon.SIGNATURE);
        path.assertNothingDelivered();

        SmtpTransaction good = path.send("a@test.invalid", "b@example.invalid", message("clean", false, "X-Virus-Status: Clean (forged)\r\n"));
        assertThat(good.data().code()).isEqualTo(250);
        ReceivedMessage m = path.sink.awaitMessages(1, MailPath.WAIT).get(0);
        assertThat(m.header("X-Virus-Scanned")).startsWith("ClamAV via mailgate");
        assertThat(m.headers("X-Virus-Status")).containsExactly("Clean");
        assertThat(m.body()).contains("see the attachment");
        assertThat(path.problems()).isEmpty();
    }

    @Test
    void seedsAddFilterAndExecuteFiltersDecideThroughTheResult() throws Exception {
        path.use("""
                rules:
                  onConnect:
                    - then:
                        addFilter: { filterName: clamav, filterType: clamd, filterAddress: "%s", onInfected: continue, headers: off }
                  onDataReceived:
                    - then: { executeFilters: { filterNamePattern: "clam*", decide: false } }
                    - if: clamav.result == "infected"
                      then: { reject: "550 5.7.0 ${clamav.virus} is not welcome" }
                    - if: clamav.result == "clean"
                      then: { addHeader: "X-Scan: ${clamav.result}" }
                """.formatted(clamd.address()));
        SmtpTransaction bad = path.send("a@test.invalid", "b@example.invalid", message("eicar", true, ""));
        assertThat(bad.data().lines()).containsExactly("550 5.7.0 " + ClamdDaemon.SIGNATURE + ".UNOFFICIAL is not welcome");
        SmtpTransaction good = path.send("a@test.invalid", "b@example.invalid", message("clean", false, ""));
        assertThat(good.data().code()).isEqualTo(250);
        ReceivedMessage m = path.sink.awaitMessages(1, MailPath.WAIT).get(0);
        assertThat(m.header("X-Scan")).isEqualTo("clean");
        assertThat(m.headers("X-Virus-Scanned")).isEmpty();
    }

    @Test
    void stoppedClamdMeansTempfailWithinTheDeadlineAndOneLogLine() throws Exception {
        ClamdDaemon second = ClamdDaemon.start(Files.createDirectories(path.dir.resolve("clamd-stopped")));
        try {
            path.use(chain(second.address(), ", onError: tempreject"));
            assertThat(path.send("a@test.invalid", "b@example.invalid", message("before", false, "")).data().code()).isEqualTo(250);
            assertThat(path.sink.awaitMessages(1, MailPath.WAIT).get(0).header("X-Virus-Status")).isEqualTo("Clean");
        } finally {
            second.close();
        }
        path.use(chain(second.address(), ", onError: tempreject"));
        long t0 = System.nanoTime();
        SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("while stopped", false, ""));
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(10_000);
        assertThat(t.data().code()).isEqualTo(451);
        assertThat(t.data().lastLine()).contains("4.7.1");
        path.assertNothingDelivered();
        List<String> lines = path.problems().stream().filter(l -> l.contains("filter=clamav")).toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).contains("clamd at unix:").contains("cannot connect").contains("onError=tempreject");
    }

    @Test
    void hangingClamdGetsTheConfiguredOnErrorWithinTheDeadline() throws Exception {
        try (HangingSocket hang = new HangingSocket(path.dir.resolve("hang.sock"))) {
            path.use(chain("unix:" + hang.path, ", ioTimeout: 2s, onError: tempreject"));
            long t0 = System.nanoTime();
            SmtpTransaction t = path.send("a@test.invalid", "b@example.invalid", message("hang", false, ""));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(t.data().code()).isEqualTo(451);
            assertThat(ms).isBetween(1_900L, 9_000L);
            path.assertNothingDelivered();
            List<String> lines = path.problems().stream().filter(l -> l.contains("filter=clamav")).toList();
            assertThat(lines).hasSize(1);
            assertThat(lines.get(0)).contains("no answer in time").contains("onError=tempreject");

            // the chain's deadline cuts it too, and onError: continue lets the message through unmarked
            path.use(chain("unix:" + hang.path, ", timeout: 2s, onError: continue"));
            t0 = System.nanoTime();
            SmtpTransaction passed = path.send("a@test.invalid", "b@example.invalid", message("hang 2", false, ""));
            assertThat(passed.data().code()).isEqualTo(250);
            assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(9_000L);
            ReceivedMessage m = path.sink.awaitMessages(1, MailPath.WAIT).get(0);
            assertThat(m.headers("X-Virus-Scanned")).isEmpty();
            assertThat(path.problems().stream().filter(l -> l.contains("filter=clamav")).toList()).hasSize(1)
                    .allMatch(l -> l.contains("did not answer within 2000 ms"));
            assertThat(hang.accepted).hasSizeGreaterThanOrEqualTo(2);
        }
    }

    /** A unix socket that accepts connections and never answers: a clamd stuck on a scan. */
    static final class HangingSocket implements AutoCloseable {
        final Path path;
        final List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
        private final ServerSocketChannel server;

        HangingSocket(Path path) throws IOException {
            this.path = path;
            server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(path));
            Thread.ofVirtual().start(() -> {
                while (server.isOpen()) {
                    try {
                        accepted.add(server.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        @Override
        public void close() throws IOException {
            server.close();
            for (SocketChannel c : accepted) c.close();
            Files.deleteIfExists(path);
        }
    }
}
