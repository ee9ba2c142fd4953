// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A throwaway Postfix instance on 127.0.0.1 with its own configuration, queue, data directory and
 * log file, for integration tests of milters. The system's default instance is never touched.
 *
 * <pre>{@code
 * try (SmtpSink sink = SmtpSink.start();
 *      PostfixInstance pf = PostfixInstance.builder(tempDir)
 *              .relayPort(sink.port())
 *              .milters("inet:127.0.0.1:" + milterPort)
 *              .start()) {
 *     // SmtpClient to 127.0.0.1:pf.smtpPort(), then sink.awaitMessages(1, ...)
 * }
 * }</pre>
 *
 * <p>Layout under the directory: {@code etc/} (main.cf, master.cf), {@code spool/} (queue),
 * {@code data/} (owned by postfix: master.lock lives there), {@code maillog} (written by
 * postlogd, so no syslog daemon is needed). All services run without chroot because the queue is
 * not under /var/spool/postfix. Needs root (the master runs as root) and the {@code postfix}
 * package. A {@code unix:} milter socket must be reachable by the {@code postfix} user, which runs
 * smtpd and cleanup.
 */
public final class PostfixInstance implements AutoCloseable {

    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);
    /** A queue id at the start of a postqueue -p line, followed by '*' (active) or '!' (held). */
    private static final Pattern QUEUE_LINE = Pattern.compile("^([0-9A-Za-z]{6,})([*!]?)\\s+\\d+\\s");

    private final Path dir;
    private final Path etc;
    private final int smtpPort;
    private final int relayPort;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private PostfixInstance(Path dir, int smtpPort, int relayPort) {
        this.dir = dir;
        this.etc = dir.resolve("etc");
        this.smtpPort = smtpPort;
        this.relayPort = relayPort;
        // stops the master even when a test run is aborted before close() (e.g. Ctrl-C)
        this.shutdownHook = new Thread(this::stopQuietly, "postfix-stop-" + smtpPort);
    }

    /** Whether Postfix is installed and we run as root, i.e. whether {@link Builder#start()} can work. */
    public static boolean isAvailable() {
        return Processes.onPath("/usr/sbin/postfix") && Processes.onPath("script")
                && "root".equals(System.getProperty("user.name"));
    }

    /** Starts configuring an instance that will live in {@code directory} (created if missing). */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** Instance root directory. */
    public Path directory() {
        return dir;
    }

    /** Configuration directory, the value for {@code postfix -c} / {@code postconf -c}. */
    public Path configDirectory() {
        return etc;
    }

    /** Port of smtpd on 127.0.0.1. */
    public int smtpPort() {
        return smtpPort;
    }

    /** Port on 127.0.0.1 that all mail is relayed to. */
    public int relayPort() {
        return relayPort;
    }

    /** Sets main.cf parameters ({@code "name = value"} each) with {@code postconf -e}; call {@link #reload()} after. */
    public void postconf(String... settings) {
        List<String> cmd = new ArrayList<>(List.of("postconf", "-c", etc.toString(), "-e"));
        cmd.addAll(List.of(settings));
        Processes.run(cmd, CMD_TIMEOUT).orThrow();
    }

    /** The effective value of a main.cf parameter ({@code postconf -h}). */
    public String postconfValue(String name) {
        String out = Processes.run(List.of("postconf", "-c", etc.toString(), "-h", name), CMD_TIMEOUT)
                .orThrow().output();
        // stderr is merged into the output: drop postconf's own warnings (e.g. unused parameters)
        return out.lines().filter(l -> !l.startsWith("postconf: warning:")).reduce((a, b) -> a + "\n" + b)
                .orElse("").strip();
    }

    /** {@code postfix reload}, then waits until the master logged that it re-read its configuration. */
    public void reload() {
        long before = maillogLines().stream().filter(l -> l.contains("reload -- version")).count();
        runWithTty("reload").orThrow();
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (maillogLines().stream().filter(l -> l.contains("reload -- version")).count() <= before) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("postfix did not log its reload; maillog:\n" + Processes.tail(maillogFile(), 20));
            }
            Processes.sleep(50);
        }
    }

    /** Path of the log file written by postlogd. */
    public Path maillogFile() {
        return dir.resolve("maillog");
    }

    /** Current contents of the maillog (empty if nothing was logged yet). */
    public String maillog() {
        return String.join("\n", maillogLines());
    }

    /** Current maillog lines. */
    public List<String> maillogLines() {
        try {
            return Files.exists(maillogFile()) ? Processes.readLenient(maillogFile()).lines().toList() : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Waits until a maillog line matches {@code regex} (found with {@link Matcher#find()}) and returns it.
     * Logging goes through postlogd and is asynchronous, so assertions on the log must wait.
     *
     * @throws AssertionError with the log's tail when no line matched in time
     */
    public String awaitMaillog(String regex, Duration timeout) {
        Pattern p = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : maillogLines()) {
                if (p.matcher(line).find()) {
                    return line;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no maillog line matching /" + regex + "/ within " + timeout
                        + "; last lines:\n" + Processes.tail(maillogFile(), 30));
            }
            Processes.sleep(100);
        }
    }

    /** {@code postqueue -p} output ("Mail queue is empty" or the listing; held ids end in '!'). */
    public String queueListing() {
        return Processes.run(List.of("postqueue", "-c", etc.toString(), "-p"), CMD_TIMEOUT).orThrow().output();
    }

    /** Queue ids of all queued messages (active, deferred and held). */
    public List<String> queueIds() {
        return parseQueue(queueListing(), false);
    }

    /** Queue ids of messages in the hold queue, e.g. quarantined by a milter. */
    public List<String> heldQueueIds() {
        return parseQueue(queueListing(), true);
    }

    /** Waits until at least {@code n} messages are held; returns their ids. */
    public List<String> awaitHeld(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<String> held;
        while ((held = heldQueueIds()).size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("expected " + n + " held message(s) within " + timeout
                        + ", queue:\n" + queueListing());
            }
            Processes.sleep(100);
        }
        return held;
    }

    static List<String> parseQueue(String listing, boolean heldOnly) {
        List<String> ids = new ArrayList<>();
        for (String line : listing.split("\n")) {
            Matcher m = QUEUE_LINE.matcher(line);
            if (m.find() && (!heldOnly || m.group(2).equals("!"))) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    /** {@code postqueue -f}: retry deferred mail now. */
    public void flushQueue() {
        Processes.run(List.of("postqueue", "-c", etc.toString(), "-f"), CMD_TIMEOUT).orThrow();
    }

    /** {@code postsuper -d ALL}: delete every queued message, held ones included. */
    public void deleteAll() {
        Processes.run(List.of("postsuper", "-c", etc.toString(), "-d", "ALL"), CMD_TIMEOUT).orThrow();
    }

    /** {@code postsuper -H ALL}: release all held messages for delivery. */
    public void releaseHeld() {
        Processes.run(List.of("postsuper", "-c", etc.toString(), "-H", "ALL"), CMD_TIMEOUT).orThrow();
    }

    /**
     * Submits a message through Postfix's sendmail command (the non-SMTP path: pickup + cleanup,
     * where {@code non_smtpd_milters} apply).
     */
    public CommandResult submit(String from, List<String> recipients, byte[] message) {
        try {
            Path tmp = Files.createTempFile(dir, "submit", ".eml");
            try {
                Files.write(tmp, message);
                List<String> cmd = new ArrayList<>(List.of("/usr/sbin/sendmail", "-C", etc.toString(), "-f", from, "--"));
                cmd.addAll(recipients);
                return Processes.run(cmd, CMD_TIMEOUT, Map.of(), null, tmp);
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Pid of the running master process, if any. */
    public OptionalLong masterPid() {
        return master().map(h -> OptionalLong.of(h.pid())).orElse(OptionalLong.empty());
    }

    private Optional<ProcessHandle> master() {
        // Postfix's master runs as "/usr/lib/postfix/sbin/master -w"
        return Processes.daemon(dir.resolve("spool/pid/master.pid"), "master");
    }

    /** Whether the master process is alive. */
    public boolean isRunning() {
        return masterPid().isPresent();
    }

    /** Stops the instance like {@code postfix stop}, waits for the master to exit and kills whatever it left behind. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // JVM already shutting down: the hook is running or has run
        }
        stopQuietly();
    }

    private void stopQuietly() {
        var master = master();
        if (master.isEmpty()) {
            return;
        }
        List<ProcessHandle> children = master.get().descendants().toList();
        // What `postfix stop` does (postfix-script: kill the master, then poll with `sleep 1`),
        // without its one-second polling granularity: SIGTERM makes the master stop its children and exit.
        master.get().destroy();
        if (!Processes.awaitExit(master.get(), Duration.ofSeconds(10))) {
            Processes.killTree(master.get(), Duration.ofSeconds(2));
        }
        // a child that did not notice the master going away (e.g. busy smtpd) must not outlive the test
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    private CommandResult runWithTty(String action) {
        // postfix(1) reports its own fatal errors only to a terminal or syslog: give it a pty
        return Processes.runWithTty("postfix -c '" + etc + "' " + action, CMD_TIMEOUT);
    }

    private void start(Map<String, String> mainCf, Duration startTimeout) {
        if (isRunning()) { // checked before main.cf is rewritten under a live master
            throw new IllegalStateException("a Postfix master is already running for " + dir);
        }
        try {
            Files.createDirectories(etc);
            Files.createDirectories(dir.resolve("spool"));
            Path data = Files.createDirectories(dir.resolve("data"));
            Processes.makeTraversable(dir);
            UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
            PosixFileAttributeView view = Files.getFileAttributeView(data, PosixFileAttributeView.class);
            view.setOwner(users.lookupPrincipalByName("postfix"));
            view.setGroup(users.lookupPrincipalByGroupName("postfix"));
            StringBuilder main = new StringBuilder("# generated by dev.mailgate.testkit.mta.PostfixInstance\n");
            mainCf.forEach((k, v) -> main.append(k).append(" = ").append(v).append('\n'));
            Files.writeString(etc.resolve("main.cf"), main);
            Files.writeString(etc.resolve("master.cf"), masterCf(smtpPort));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Postfix directory " + dir, e);
        }
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        CommandResult r = runWithTty("start");
        String failure = null;
        if (!r.ok()) {
            failure = "postfix start failed: " + r.describe();
        } else if (!LocalPorts.awaitListening(smtpPort, startTimeout)) {
            failure = "postfix smtpd not listening on 127.0.0.1:" + smtpPort + " after " + startTimeout;
        }
        if (failure != null) {
            String log = Processes.tail(maillogFile(), 20);
            close(); // a half-started master (e.g. start timed out) must not outlive the test
            throw new IllegalStateException(failure + "\nmaillog:\n" + log);
        }
    }

    private static String masterCf(int smtpPort) {
        // Only the services a relay-only instance needs; chroot column "n" everywhere.
        return """
                # generated by dev.mailgate.testkit.mta.PostfixInstance
                127.0.0.1:%d inet n - n - - smtpd
                pickup     unix  n - n 60 1 pickup
                cleanup    unix  n - n -  0 cleanup
                qmgr       unix  n - n 300 1 qmgr
                rewrite    unix  - - n -  - trivial-rewrite
                bounce     unix  - - n -  0 bounce
                defer      unix  - - n -  0 bounce
                trace      unix  - - n -  0 bounce
                verify     unix  - - n -  1 verify
                flush      unix  n - n 1000? 0 flush
                proxymap   unix  - - n -  - proxymap
                proxywrite unix  - - n -  1 proxymap
                smtp       unix  - - n -  - smtp
                relay      unix  - - n -  - smtp
                showq      unix  n - n -  - showq
                error      unix  - - n -  - error
                retry      unix  - - n -  - error
                discard    unix  - - n -  - discard
                anvil      unix  - - n -  1 anvil
                scache     unix  - - n -  1 scache
                tlsmgr     unix  - - n 1000? 1 tlsmgr
                postlog    unix-dgram n - n - 1 postlogd
                """.formatted(smtpPort);
    }

    /** Configuration of a {@link PostfixInstance}; {@link #relayPort(int)} is required. */
    public static final class Builder {
        private final Path dir;
        private int smtpPort;
        private int relayPort;
        private String milters = "";
        private String nonSmtpdMilters = "$smtpd_milters";
        private String defaultAction = "tempfail";
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration commandTimeout = Duration.ofSeconds(10);
        private Duration contentTimeout = Duration.ofSeconds(60);
        private Duration startTimeout = Duration.ofSeconds(20);
        private final Map<String, String> extra = new LinkedHashMap<>();

        private Builder(Path dir) {
            this.dir = dir.toAbsolutePath();
        }

        /** smtpd port on 127.0.0.1 (default: a free port). */
        public Builder smtpPort(int port) {
            this.smtpPort = port;
            return this;
        }

        /** Port on 127.0.0.1 that everything is relayed to (relayhost), e.g. {@link SmtpSink#port()}. */
        public Builder relayPort(int port) {
            this.relayPort = port;
            return this;
        }

        /** {@code smtpd_milters}, Postfix syntax: {@code inet:127.0.0.1:8899}, {@code unix:/path}, comma-separated; "" = none. */
        public Builder milters(String milters) {
            this.milters = Objects.requireNonNull(milters);
            return this;
        }

        /** {@code smtpd_milters = inet:127.0.0.1:PORT}. */
        public Builder milterPort(int port) {
            return milters("inet:127.0.0.1:" + port);
        }

        /** {@code non_smtpd_milters} (default: same as smtpd_milters). */
        public Builder nonSmtpdMilters(String milters) {
            this.nonSmtpdMilters = Objects.requireNonNull(milters);
            return this;
        }

        /** {@code milter_default_action}: tempfail (default), accept, reject or quarantine. */
        public Builder milterDefaultAction(String action) {
            this.defaultAction = Objects.requireNonNull(action);
            return this;
        }

        /** milter_connect_timeout, milter_command_timeout, milter_content_timeout (defaults 10s, 10s, 60s). */
        public Builder milterTimeouts(Duration connect, Duration command, Duration content) {
            this.connectTimeout = connect;
            this.commandTimeout = command;
            this.contentTimeout = content;
            return this;
        }

        /** Any other main.cf parameter; applied last, so it overrides the generated ones. */
        public Builder setting(String name, String value) {
            extra.put(name, value);
            return this;
        }

        /**
         * STARTTLS on smtpd with this PEM certificate and key ({@code smtpd_tls_security_level = may}),
         * logged ({@code smtpd_tls_loglevel = 1}) and recorded in the Received header.
         */
        public Builder tls(Path certificate, Path key) {
            extra.put("smtpd_tls_security_level", "may");
            extra.put("smtpd_tls_cert_file", certificate.toAbsolutePath().toString());
            extra.put("smtpd_tls_key_file", key.toAbsolutePath().toString());
            extra.put("smtpd_tls_loglevel", "1");
            extra.put("smtpd_tls_received_header", "yes");
            return this;
        }

        /** How long to wait for smtpd to listen after {@code postfix start} (default 20s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Writes the configuration, starts the master and waits for smtpd; throws with Postfix's output on failure. */
        public PostfixInstance start() {
            if (relayPort <= 0) {
                throw new IllegalStateException("relayPort is required (where should Postfix relay to?)");
            }
            int port = smtpPort > 0 ? smtpPort : LocalPorts.freePort();
            Map<String, String> cf = new LinkedHashMap<>();
            cf.put("compatibility_level", "3.6");
            cf.put("queue_directory", dir.resolve("spool").toString());
            cf.put("data_directory", dir.resolve("data").toString());
            cf.put("maillog_file", dir.resolve("maillog").toString());
            // postlogd refuses paths outside these prefixes
            cf.put("maillog_file_prefixes", dir.toString());
            cf.put("myhostname", "mx.test.invalid");
            cf.put("mydomain", "test.invalid");
            cf.put("myorigin", "$myhostname");
            cf.put("mydestination", "");
            cf.put("inet_interfaces", "127.0.0.1");
            cf.put("inet_protocols", "ipv4");
            cf.put("mynetworks", "127.0.0.0/8");
            cf.put("smtpd_relay_restrictions", "permit_mynetworks, reject");
            cf.put("relayhost", "[127.0.0.1]:" + relayPort);
            cf.put("smtp_dns_support_level", "disabled");
            cf.put("alias_maps", "");
            cf.put("alias_database", "");
            cf.put("local_recipient_maps", "");
            cf.put("smtpd_tls_security_level", "none");
            cf.put("smtp_tls_security_level", "none");
            cf.put("biff", "no");
            // retry deferred mail quickly: a test that starts the sink late should not wait minutes
            cf.put("queue_run_delay", "1s");
            cf.put("minimal_backoff_time", "1s");
            cf.put("maximal_backoff_time", "5s");
            cf.put("smtpd_milters", milters);
            cf.put("non_smtpd_milters", nonSmtpdMilters);
            cf.put("milter_protocol", "6");
            cf.put("milter_default_action", defaultAction);
            cf.put("milter_connect_timeout", connectTimeout.toSeconds() + "s");
            cf.put("milter_command_timeout", commandTimeout.toSeconds() + "s");
            cf.put("milter_content_timeout", contentTimeout.toSeconds() + "s");
            cf.putAll(extra);
            PostfixInstance pf = new PostfixInstance(dir, port, relayPort);
            pf.start(cf, startTimeout);
            return pf;
        }
    }
}
