// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real authoritative DNS server for tests: Debian's NSD ({@code .ci/deps/dns.sh} installs it)
 * in the foreground on 127.0.0.1:port, serving zone files the test writes, stopped by
 * {@link #close()}. It never touches the system's NSD configuration.
 *
 * <pre>{@code
 * try (NsdServer dns = NsdServer.builder(tempDir).port(LocalPorts.freePort())
 *         .zone("bl.test", "2.0.0.127 A 127.0.0.2\n2.0.0.127 TXT \"listed\"\n").start()) {
 *     ... services: { dns: { servers: [127.0.0.1:<dns.port()>] } } ...
 * }
 * }</pre>
 *
 * A zone without a SOA gets one ({@code ns.<zone>.}, negative TTL {@link Builder#negativeTtl}).
 */
public final class NsdServer implements AutoCloseable {
    /** Where Debian puts the daemon. */
    public static final Path NSD = Path.of(System.getProperty("mailgate.nsd", "/usr/sbin/nsd"));
    private static final Pattern HAS_SOA = Pattern.compile("(?im)\\sSOA\\s");

    private final Path dir;
    private final int port;
    private final Process process;

    private NsdServer(Path dir, int port, Process process) {
        this.dir = dir;
        this.port = port;
        this.process = process;
    }

    /** True if NSD is installed. */
    public static boolean isAvailable() {
        return Files.isExecutable(NSD);
    }

    /** A server whose files live in {@code directory} (created; the test removes it). */
    public static Builder builder(Path directory) {
        return new Builder(directory);
    }

    public int port() {
        return port;
    }

    /** 127.0.0.1:port. */
    public InetSocketAddress address() {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
    }

    /** {@code 127.0.0.1:port}, as a {@code servers:} entry. */
    public String server() {
        return "127.0.0.1:" + port;
    }

    /** NSD's log so far. */
    public String log() {
        try {
            Path f = dir.resolve("nsd.log");
            return Files.exists(f) ? Files.readString(f, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    public boolean isRunning() {
        return process.isAlive();
    }

    /** Stops NSD and its child processes (SIGTERM, then SIGKILL after 5 s). */
    @Override
    public void close() {
        var children = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        for (ProcessHandle c : children) if (c.isAlive()) c.destroyForcibly();
    }

    /** Configures and starts an {@link NsdServer}. */
    public static final class Builder {
        private final Path dir;
        private int port;
        private long negativeTtl = 60;
        private final Map<String, String> zones = new LinkedHashMap<>();
        private Duration startTimeout = Duration.ofSeconds(20);

        private Builder(Path dir) {
            this.dir = dir;
        }

        /** The UDP and TCP port on 127.0.0.1 (pick it with {@code LocalPorts.freePort()}). */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** The negative TTL (SOA MINIMUM) of the SOAs this builder adds; default 60. */
        public Builder negativeTtl(long seconds) {
            this.negativeTtl = seconds;
            return this;
        }

        /** A zone: records in master file format, names relative to the zone, default TTL 300. */
        public Builder zone(String name, String records) {
            zones.put(name.endsWith(".") ? name.substring(0, name.length() - 1) : name, records);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Writes the configuration and zone files, starts NSD and waits until it answers. */
        public NsdServer start() {
            if (port <= 0) throw new IllegalStateException("port() first");
            if (zones.isEmpty()) throw new IllegalStateException("no zone");
            try {
                Files.createDirectories(dir);
                StringBuilder conf = new StringBuilder();
                String d = dir.toAbsolutePath().toString();
                conf.append("server:\n")
                        .append("  ip-address: 127.0.0.1\n")
                        .append("  port: ").append(port).append('\n')
                        .append("  do-ip6: no\n")
                        .append("  username: \"\"\n")
                        .append("  chroot: \"\"\n")
                        .append("  zonesdir: \"").append(d).append("\"\n")
                        .append("  pidfile: \"").append(d).append("/nsd.pid\"\n")
                        .append("  database: \"\"\n")
                        .append("  zonelistfile: \"").append(d).append("/zone.list\"\n")
                        .append("  xfrdfile: \"").append(d).append("/xfrd.state\"\n")
                        .append("  xfrdir: \"").append(d).append("\"\n")
                        .append("  logfile: \"").append(d).append("/nsd.log\"\n")
                        .append("  server-count: 1\n")
                        .append("  verbosity: 1\n")
                        .append("  hide-version: yes\n")
                        .append("remote-control:\n  control-enable: no\n");
                for (Map.Entry<String, String> z : zones.entrySet()) {
                    String file = z.getKey() + ".zone";
                    Files.writeString(dir.resolve(file), zoneText(z.getKey(), z.getValue()), StandardCharsets.UTF_8);
                    conf.append("zone:\n  name: \"").append(z.getKey()).append("\"\n  zonefile: \"").append(file).append("\"\n");
                }
                Path confFile = dir.resolve("nsd.conf");
                Files.writeString(confFile, conf.toString(), StandardCharsets.UTF_8);
                Process p = new ProcessBuilder(NSD.toString(), "-d", "-c", confFile.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("nsd.out").toFile())
                        .start();
                NsdServer server = new NsdServer(dir, port, p);
                awaitAnswering(server, zones.keySet().iterator().next());
                return server;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot start nsd in " + dir, e);
            }
        }

        private String zoneText(String zone, String records) {
            if (HAS_SOA.matcher(" " + records).find()) return "$ORIGIN " + zone + ".\n$TTL 300\n" + records + "\n";
            return "$ORIGIN " + zone + ".\n$TTL 300\n"
                    + "@ IN SOA ns." + zone + ". hostmaster." + zone + ". 1 3600 600 86400 " + negativeTtl + "\n"
                    + "@ IN NS ns." + zone + ".\n"
                    + records + "\n";
        }

        /** Polls the first zone's SOA until NSD answers (it needs a moment to read its zones). */
        private void awaitAnswering(NsdServer server, String zone) {
            long deadline = System.nanoTime() + startTimeout.toNanos();
            SimpleResolver r = new SimpleResolver(server.address());
            r.setTimeout(Duration.ofMillis(300));
            String last = "no answer";
            while (System.nanoTime() < deadline) {
                if (!server.process.isAlive()) break;
                try {
                    Message q = Message.newQuery(Record.newRecord(Name.fromString(zone + "."), Type.SOA, DClass.IN));
                    Message a = r.send(q);
                    if (a.getRcode() == Rcode.NOERROR && !a.getSection(1).isEmpty()) return;
                    last = "rcode " + Rcode.string(a.getRcode());
                } catch (IOException e) {
                    last = e.toString();
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            String out;
            try {
                out = Files.readString(dir.resolve("nsd.out"), StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                out = "";
            }
            server.close();
            throw new IllegalStateException("nsd on port " + port + " did not answer for " + zone + " (" + last + "):\n"
                    + out + server.log());
        }
    }
}
