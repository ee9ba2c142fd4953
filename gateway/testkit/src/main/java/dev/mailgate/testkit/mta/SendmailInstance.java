// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Stream;

/**
 * A private Sendmail 8.17 daemon on 127.0.0.1, run from files extracted from the Debian packages
 * (sendmail-bin cannot be installed next to postfix). Relays everything to a smart host on
 * 127.0.0.1 (e.g. an {@link SmtpSink}) through the configured milters.
 *
 * <p>The extracted copy ("installation") is looked up in: system property
 * {@value #DIR_PROPERTY}, environment variable {@value #DIR_ENV}, {@code /opt/mailgate-test/sendmail}
 * (what {@code .ci/install-test-deps.sh} prepares), {@code ${java.io.tmpdir}/mailgate-sendmail}
 * (what {@link #extractFromDebs(Path)} prepares). Layout: {@code bin/sendmail} (a copy without
 * setgid, so that LD_LIBRARY_PATH for the extracted libwrap is honoured) and {@code root/} (the
 * unpacked .debs). Tests should {@code assumeTrue(SendmailInstance.isAvailable(), SendmailInstance.unavailableReason())}.
 *
 * <p>The daemon runs in its own UTS namespace ({@code unshare -u}) with a qualified hostname:
 * Sendmail sleeps 60 s at startup when the machine's hostname has no domain part (common in
 * containers), before it even reads its configuration. Sendmail logs only to syslog, which test
 * machines usually lack; assert on the SMTP replies and the sink instead.
 */
public final class SendmailInstance implements AutoCloseable {

    /** System property naming the extracted Sendmail directory. */
    public static final String DIR_PROPERTY = "mailgate.sendmail.dir";
    /** Environment variable naming the extracted Sendmail directory. */
    public static final String DIR_ENV = "MAILGATE_SENDMAIL_DIR";
    /** Where {@code .ci/install-test-deps.sh} puts it. */
    public static final Path DEFAULT_DIR = Path.of("/opt/mailgate-test/sendmail");
    private static final String HOSTNAME = "smtest.test.invalid";
    private static final Duration CMD_TIMEOUT = Duration.ofSeconds(30);

    private final Path dir;
    private final Path inst;
    private final int smtpPort;
    private final int relayPort;
    private final Thread shutdownHook;
    private volatile boolean closed;

    private SendmailInstance(Path dir, Path inst, int smtpPort, int relayPort) {
        this.dir = dir;
        this.inst = inst;
        this.smtpPort = smtpPort;
        this.relayPort = relayPort;
        this.shutdownHook = new Thread(this::stopQuietly, "sendmail-stop-" + smtpPort);
    }

    /** The extracted Sendmail to use, if a complete one is found (see the class comment for the search order). */
    public static Optional<Path> installation() {
        String explicit = System.getProperty(DIR_PROPERTY, System.getenv(DIR_ENV));
        if (explicit != null && !explicit.isBlank()) {
            // explicitly configured: do not silently fall back to another copy
            return Optional.of(Path.of(explicit)).filter(SendmailInstance::complete);
        }
        return Stream.of(DEFAULT_DIR, Path.of(System.getProperty("java.io.tmpdir"), "mailgate-sendmail"))
                .filter(SendmailInstance::complete).findFirst();
    }

    /** Whether an extracted Sendmail, m4 and root privileges are there, i.e. whether {@link Builder#start()} can work. */
    public static boolean isAvailable() {
        return unavailableReason() == null;
    }

    /** Why {@link #isAvailable()} is false (for skip messages), or null when it is true. */
    public static String unavailableReason() {
        if (installation().isEmpty()) {
            return "no extracted Sendmail found (run .ci/install-test-deps.sh as root, or set -D" + DIR_PROPERTY
                    + " / $" + DIR_ENV + " to a directory with bin/sendmail and root/)";
        }
        if (!Processes.onPath("m4")) {
            return "m4 is not installed (apt-get install m4)";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "the Sendmail daemon needs root";
        }
        return null;
    }

    /**
     * Downloads sendmail-bin, sendmail-base, sendmail-cf and libwrap0 with {@code apt-get download}
     * and unpacks them into {@code target} in the layout described above. Needs dpkg and the apt
     * lists ({@code apt-get update}); the packages are not installed.
     */
    public static Path extractFromDebs(Path target) {
        try {
            Path debs = Files.createDirectories(target.resolve("debs"));
            Processes.run(List.of("apt-get", "download", "sendmail-bin", "sendmail-base", "sendmail-cf", "libwrap0"),
                    Duration.ofMinutes(5), Map.of(), debs).orThrow();
            try (Stream<Path> files = Files.list(debs)) {
                for (Path deb : files.filter(f -> f.toString().endsWith(".deb")).toList()) {
                    Processes.run(List.of("dpkg", "-x", deb.toString(), target.resolve("root").toString()), CMD_TIMEOUT)
                            .orThrow();
                }
            }
            Path bin = Files.createDirectories(target.resolve("bin")).resolve("sendmail");
            Files.copy(target.resolve("root/usr/libexec/sendmail/sendmail"), bin,
                    StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(bin, PosixFilePermissions.fromString("rwxr-xr-x"));
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract Sendmail into " + target, e);
        }
    }

    private static boolean complete(Path d) {
        return Files.isExecutable(d.resolve("bin/sendmail"))
                && Files.isRegularFile(d.resolve("root/usr/share/sendmail/cf/m4/cf.m4"))
                && libDir(d).isPresent();
    }

    /** The directory holding the extracted libwrap.so.0 (multiarch triplet varies). */
    private static Optional<Path> libDir(Path d) {
        try (Stream<Path> dirs = Files.list(d.resolve("root/usr/lib"))) {
            return dirs.filter(p -> Files.exists(p.resolve("libwrap.so.0"))).findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Starts configuring an instance whose config, queue and pid file live in {@code directory}. */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    /** Instance directory. */
    public Path directory() {
        return dir;
    }

    /** The generated sendmail.cf. */
    public Path configFile() {
        return dir.resolve("sendmail.cf");
    }

    /** Daemon port on 127.0.0.1. */
    public int smtpPort() {
        return smtpPort;
    }

    /** Smart host port on 127.0.0.1. */
    public int relayPort() {
        return relayPort;
    }

    /** Pid of the daemon, if running. */
    public OptionalLong pid() {
        return daemon().map(h -> OptionalLong.of(h.pid())).orElse(OptionalLong.empty());
    }

    /** Whether the daemon is alive. */
    public boolean isRunning() {
        return daemon().isPresent();
    }

    /** {@code sendmail -bp}: the queue listing (messages not yet relayed). */
    public String queueListing() {
        return run(List.of("-bp"), CMD_TIMEOUT).output();
    }

    /** SIGTERM to the daemon (found via its pid file), SIGKILL after 10 s, then its leftover children. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException ignored) {
            // JVM already shutting down
        }
        stopQuietly();
    }

    private Optional<ProcessHandle> daemon() {
        return Processes.daemon(dir.resolve("sendmail.pid"), "sendmail");
    }

    private void stopQuietly() {
        daemon().ifPresent(h -> Processes.killTree(h, Duration.ofSeconds(10)));
    }

    private CommandResult run(List<String> args, Duration timeout) {
        List<String> cmd = new ArrayList<>();
        boolean ownUts = Processes.run(List.of("unshare", "-u", "true"), CMD_TIMEOUT).ok();
        String sendmail = inst.resolve("bin/sendmail") + " -C " + configFile();
        if (ownUts) {
            // see class comment: a qualified hostname avoids Sendmail's 60 s startup sleep
            cmd.addAll(List.of("unshare", "-u", "sh", "-c",
                    "hostname " + HOSTNAME + " && exec " + sendmail + " " + String.join(" ", args)));
        } else {
            cmd.addAll(List.of(inst.resolve("bin/sendmail").toString(), "-C", configFile().toString()));
            cmd.addAll(args);
        }
        Map<String, String> env = Map.of("LD_LIBRARY_PATH", libDir(inst).orElseThrow().toString());
        return Processes.run(cmd, timeout, env, dir);
    }

    private void start(String mc, Duration startTimeout) {
        try {
            Files.createDirectories(dir);
            for (String q : List.of("mqueue", "cq")) {
                Path p = Files.createDirectories(dir.resolve(q));
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx------"));
            }
            // host lookups from /etc/hosts only: no DNS stalls on an offline machine
            Files.writeString(dir.resolve("service.switch"), "hosts files\naliases files\n");
            Files.writeString(dir.resolve("sendmail.mc"), mc);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare Sendmail directory " + dir, e);
        }
        // m4 warns about promiscuous_relay on stderr: keep stderr out of the .cf
        Processes.run(List.of("sh", "-c", "m4 sendmail.mc > sendmail.cf"), CMD_TIMEOUT, Map.of(), dir).orThrow();
        if (isRunning()) {
            throw new IllegalStateException("a Sendmail daemon is already running for " + dir);
        }
        Runtime.getRuntime().addShutdownHook(shutdownHook);
        // -q15s: retry queued mail soon when the sink was not up yet
        CommandResult r = run(List.of("-bd", "-q15s"), CMD_TIMEOUT);
        if (!r.ok() || !LocalPorts.awaitListening(smtpPort, startTimeout)) {
            close(); // a daemon that forked but never listened must not outlive the test
            throw new IllegalStateException("sendmail -bd did not come up on 127.0.0.1:" + smtpPort
                    + " within " + startTimeout + ": " + r.describe());
        }
    }

    /** Configuration of a {@link SendmailInstance}; {@link #relayPort(int)} is required. */
    public static final class Builder {
        private final Path dir;
        private int smtpPort;
        private int relayPort;
        private final List<String> milters = new ArrayList<>();
        private String milterFlags = "T";
        private String milterTimeouts = "C:10s;S:10s;R:10s;E:1m";
        private final List<String> extraMc = new ArrayList<>();
        private Duration startTimeout = Duration.ofSeconds(20);
        private Path installation;

        private Builder(Path dir) {
            this.dir = dir.toAbsolutePath();
        }

        /** Daemon port on 127.0.0.1 (default: a free port). */
        public Builder smtpPort(int port) {
            this.smtpPort = port;
            return this;
        }

        /** Smart host port on 127.0.0.1, e.g. {@link SmtpSink#port()}. */
        public Builder relayPort(int port) {
            this.relayPort = port;
            return this;
        }

        /** Adds a milter, libmilter socket syntax: {@code inet:PORT@127.0.0.1} or {@code unix:/path}. Applied in order. */
        public Builder milter(String socketSpec) {
            milters.add(socketSpec);
            return this;
        }

        /** Adds the milter at {@code inet:PORT@127.0.0.1}. */
        public Builder milterPort(int port) {
            return milter("inet:" + port + "@127.0.0.1");
        }

        /** The F= flags of every INPUT_MAIL_FILTER: "T" (tempfail when unreachable, default), "R" (reject), "" (skip the milter). */
        public Builder milterFlags(String flags) {
            this.milterFlags = flags;
            return this;
        }

        /** The T= timeouts, default {@code C:10s;S:10s;R:10s;E:1m}. */
        public Builder milterTimeouts(String timeouts) {
            this.milterTimeouts = timeouts;
            return this;
        }

        /** A raw line appended to the generated .mc before MAILER(`smtp'), e.g. a define(...). */
        public Builder mcLine(String line) {
            extraMc.add(line);
            return this;
        }

        /** How long to wait for the daemon to listen (default 20 s). */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Use this extracted Sendmail instead of looking one up (see {@link SendmailInstance#installation()}). */
        public Builder installation(Path extracted) {
            if (!complete(extracted)) {
                throw new IllegalArgumentException(extracted + " has no bin/sendmail, root/.../cf.m4 and libwrap.so.0");
            }
            this.installation = extracted;
            return this;
        }

        /** Generates sendmail.cf with m4, starts {@code sendmail -bd} and waits for the port. */
        public SendmailInstance start() {
            if (relayPort <= 0) {
                throw new IllegalStateException("relayPort is required (where should Sendmail relay to?)");
            }
            Path inst = installation != null ? installation
                    : SendmailInstance.installation().orElseThrow(() -> new IllegalStateException(unavailableReason()));
            int port = smtpPort > 0 ? smtpPort : LocalPorts.freePort();
            SendmailInstance sm = new SendmailInstance(dir, inst, port, relayPort);
            sm.start(mc(inst, port), startTimeout);
            return sm;
        }

        private String mc(Path inst, int port) {
            StringBuilder b = new StringBuilder();
            b.append("include(`").append(inst.resolve("root/usr/share/sendmail/cf/m4/cf.m4")).append("')dnl\n");
            b.append("OSTYPE(`linux')dnl\n");
            def(b, "confDOMAIN_NAME", HOSTNAME);
            def(b, "QUEUE_DIR", dir.resolve("mqueue").toString());
            def(b, "MSP_QUEUE_DIR", dir.resolve("cq").toString());
            def(b, "STATUS_FILE", dir.resolve("statistics").toString());
            def(b, "ALIAS_FILE", "");
            def(b, "confPID_FILE", dir.resolve("sendmail.pid").toString());
            def(b, "confSERVICE_SWITCH_FILE", dir.resolve("service.switch").toString());
            def(b, "confDONT_PROBE_INTERFACES", "True");
            // 8.17 knows GroupWritableDirPathSafe but not WorldWritableDirPathSafe
            def(b, "confDONT_BLAME_SENDMAIL", "GroupWritableDirPathSafe");
            def(b, "SMART_HOST", "esmtp:[127.0.0.1]");
            def(b, "ESMTP_MAILER_ARGS", "TCP $h " + relayPort);
            b.append("DAEMON_OPTIONS(`Port=").append(port).append(", Addr=127.0.0.1, Name=MTA-test')dnl\n");
            for (int i = 0; i < milters.size(); i++) {
                b.append("INPUT_MAIL_FILTER(`milter").append(i).append("', `S=").append(milters.get(i))
                        .append(milterFlags.isEmpty() ? "" : ", F=" + milterFlags)
                        .append(", T=").append(milterTimeouts).append("')dnl\n");
            }
            // no_default_msa: otherwise it also binds *:587; promiscuous_relay: loopback-only test box
            for (String f : List.of("no_default_msa", "promiscuous_relay", "accept_unresolvable_domains",
                    "accept_unqualified_senders")) {
                b.append("FEATURE(`").append(f).append("')dnl\n");
            }
            extraMc.forEach(l -> b.append(l).append('\n'));
            b.append("MAILER(`smtp')dnl\n");
            return b.toString();
        }

        private static void def(StringBuilder b, String name, String value) {
            b.append("define(`").append(name).append("', `").append(value).append("')dnl\n");
        }
    }
}
