// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.it;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.mailgate.app.Gateway;
import dev.mailgate.app.TestPolicies;
import dev.mailgate.testkit.mta.PostfixInstance;
import dev.mailgate.testkit.mta.SmtpClient;
import dev.mailgate.testkit.mta.SmtpSink;
import dev.mailgate.testkit.mta.SmtpTransaction;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.LoggerFactory;

/**
 * The path a message takes in the external-filter integration tests: an SMTP client, a throwaway
 * Postfix with the gateway as its milter, and a sink as the next hop. The policy can be swapped
 * between tests ({@link #use}); warnings and errors the gateway logs are captured.
 */
final class MailPath implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(30);

    final Path dir;
    final SmtpSink sink;
    final PostfixInstance postfix;
    final Gateway gateway;
    private final AtomicReference<String> policy;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    private MailPath(Path dir, SmtpSink sink, PostfixInstance postfix, Gateway gateway, AtomicReference<String> policy) {
        this.dir = dir;
        this.sink = sink;
        this.postfix = postfix;
        this.gateway = gateway;
        this.policy = policy;
        logs.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    }

    /** Starts sink, gateway (on {@code firstPolicy}) and Postfix. */
    static MailPath start(String name, String firstPolicy) throws Exception {
        // postfix's own processes must be able to reach their data directory inside it
        Path dir = Files.createTempDirectory("mailgate-" + name, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
        AtomicReference<String> policy = new AtomicReference<>(firstPolicy);
        SmtpSink sink = SmtpSink.start();
        Gateway gateway = null;
        try {
            gateway = Gateway.start(() -> TestPolicies.parse(name + ".yaml", policy.get()));
            int port = ((InetSocketAddress) gateway.boundAddresses().get(0)).getPort();
            PostfixInstance postfix = PostfixInstance.builder(dir.resolve("pfx"))
                    .relayPort(sink.port())
                    .milters("inet:127.0.0.1:" + port)
                    .milterDefaultAction("tempfail")
                    .start();
            return new MailPath(dir, sink, postfix, gateway, policy);
        } catch (Exception | Error e) {
            if (gateway != null) gateway.close();
            sink.close();
            throw e;
        }
    }

    /** Loads {@code yaml} as the gateway's policy (a reload, as SIGHUP does) and forgets earlier mail and logs. */
    void use(String yaml) {
        policy.set(yaml);
        if (!gateway.reload()) throw new AssertionError("policy refused:\n" + yaml);
        sink.clear();
        logs.list.clear();
    }

    /** Sends one message through Postfix; returns every reply. */
    SmtpTransaction send(String from, String to, String message) {
        try (SmtpClient c = new SmtpClient(WAIT)) {
            c.connect("127.0.0.1", postfix.smtpPort());
            c.ehlo("client.test.invalid");
            SmtpTransaction t = c.send(from, List.of(to), message);
            c.quit();
            return t;
        }
    }

    /** The warnings and errors logged since the last {@link #use}, as text. */
    List<String> problems() {
        return logs.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(ch.qos.logback.classic.Level.WARN))
                .map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Waits a moment for a copy that should not arrive, then asserts the sink stayed empty. */
    void assertNothingDelivered() throws InterruptedException {
        Thread.sleep(500);
        if (!sink.messages().isEmpty()) throw new AssertionError("delivered: " + sink.messages());
        if (!postfix.queueIds().isEmpty()) throw new AssertionError("queued in Postfix: " + postfix.queueListing());
    }

    @Override
    public void close() {
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
        postfix.close();
        sink.close();
        gateway.close();
        deleteTree(dir);
    }

    /** Best effort: daemons started by a test are stopped before, so nothing writes here any more. */
    static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (java.io.IOException ignored) {
                    // a leftover temp file is harmless
                }
            });
        } catch (java.io.IOException ignored) {
            // already gone
        }
    }
}
