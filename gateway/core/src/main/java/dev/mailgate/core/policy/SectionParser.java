// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.IpNetwork;
import dev.mailgate.core.chain.OnError;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.nodes.Node;

/** The small sections of a policy: listen, milter, message, networks, onError. */
final class SectionParser {
    private SectionParser() {}

    static List<ListenerConfig> listeners(Yaml y, Node node) {
        List<Node> items = y.isMapping(node) ? List.of(node) : y.sequence(node, "listen");
        List<ListenerConfig> out = new ArrayList<>();
        for (Node item : items) {
            Map<String, Yaml.Entry> m = y.mapping(item, "a listener");
            if (m.containsKey("smtp")) {
                out.add(smtpListener(y, item, m));
                continue;
            }
            if (m.containsKey("metrics")) {
                if (out.stream().anyMatch(ListenerConfig::isMetrics)) throw y.error(item, "one metrics listener is enough");
                out.add(metricsListener(y, m));
                continue;
            }
            y.allowOnly(m, "a listener", List.of("milter", "mode", "owner", "group"));
            Yaml.Entry addr = m.get("milter");
            if (addr == null) throw y.error(item, "a listener needs 'milter: inet:host:port', 'milter: unix:/path', 'smtp: inet:host:port' or 'metrics: inet:host:port'");
            ListenAddress address = address(y, addr.value(), "milter");
            String mode = m.containsKey("mode") ? y.scalar(m.get("mode").value(), "mode") : null;
            if (mode != null && !mode.matches("0?[0-7]{3}")) throw y.error(m.get("mode").value(), "mode must be octal permission bits such as 0660, not '" + mode + "'");
            boolean unixOnly = mode != null || m.containsKey("owner") || m.containsKey("group");
            if (unixOnly && !address.isUnix()) throw y.error(item, "mode, owner and group apply to unix sockets only");
            out.add(new ListenerConfig("milter", address, mode,
                    m.containsKey("owner") ? y.scalar(m.get("owner").value(), "owner") : null,
                    m.containsKey("group") ? y.scalar(m.get("group").value(), "group") : null));
        }
        return out;
    }

    private static ListenAddress address(Yaml y, Node node, String what) {
        try {
            return ListenAddress.parse(y.scalar(node, what));
        } catch (IllegalArgumentException e) {
            throw y.error(node, e.getMessage());
        }
    }

    /** {@code - metrics: inet:host:port}: Prometheus scrapes HTTP over TCP, so no unix socket. */
    private static ListenerConfig metricsListener(Yaml y, Map<String, Yaml.Entry> m) {
        y.allowOnly(m, "a metrics listener", List.of("metrics"));
        ListenAddress address = address(y, m.get("metrics").value(), "metrics");
        if (address.isUnix()) throw y.error(m.get("metrics").value(), "the metrics listener serves HTTP on inet:host:port, not on a unix socket");
        return new ListenerConfig("metrics", address, null, null, null);
    }

    /** {@code - smtp: inet:host:port} with the proxy's settings next to it; nothing is bound or resolved here. */
    private static ListenerConfig smtpListener(Yaml y, Node item, Map<String, Yaml.Entry> m) {
        y.allowOnly(m, "an smtp listener", List.of("smtp", "downstream", "xclient", "hostname", "greeting", "maxLineLength",
                "maxDataSize", "maxConnectionsPerIp", "commandTimeout", "dataTimeout", "downstreamTimeout", "tlsCertificate", "tlsKey", "downstreamTls",
                "proxyProtocol", "auth", "authTlsOnly", "downstreamVerifyCert", "downstreamCheckCertName", "downstreamCaFile",
                "spillThreshold", "spillDirectory"));
        ListenAddress address = address(y, m.get("smtp").value(), "smtp");
        if (address.isUnix()) throw y.error(m.get("smtp").value(), "an smtp listener needs inet:host:port");
        if (!m.containsKey("downstream")) throw y.error(item, "an smtp listener needs 'downstream: inet:host:port' (the MTA to relay to)");
        ListenAddress down = address(y, m.get("downstream").value(), "downstream");
        SmtpProxySettings d = SmtpProxySettings.of(down.isUnix() ? ListenAddress.parse("inet:127.0.0.1:25") : down);
        if (m.containsKey("tlsCertificate") != m.containsKey("tlsKey")) {
            throw y.error(item, "STARTTLS needs both 'tlsCertificate' and 'tlsKey' (PEM files)");
        }
        Path cert = m.containsKey("tlsCertificate") ? PemCheck.certificate(y, m.get("tlsCertificate").value(), "tlsCertificate") : null;
        Path key = m.containsKey("tlsKey") ? PemCheck.privateKey(y, m.get("tlsKey").value()) : null;
        SmtpProxySettings.DownstreamTls downTls = SmtpProxySettings.DownstreamTls.NONE;
        if (m.containsKey("downstreamTls")) {
            Node n = m.get("downstreamTls").value();
            String v = y.scalar(n, "downstreamTls");
            downTls = switch (v) {
                case "none" -> SmtpProxySettings.DownstreamTls.NONE;
                case "may" -> SmtpProxySettings.DownstreamTls.MAY;
                case "require" -> SmtpProxySettings.DownstreamTls.REQUIRE;
                default -> throw y.error(n, "downstreamTls must be none, may or require, not '" + v + "'");
            };
        }
        SmtpProxySettings.Auth auth = SmtpProxySettings.Auth.REFUSE;
        if (m.containsKey("auth")) {
            Node n = m.get("auth").value();
            String v = y.scalar(n, "auth");
            auth = switch (v) {
                case "refuse" -> SmtpProxySettings.Auth.REFUSE;
                case "passthrough" -> SmtpProxySettings.Auth.PASSTHROUGH;
                default -> throw y.error(n, "auth must be refuse or passthrough, not '" + v + "'");
            };
        }
        Path caFile = m.containsKey("downstreamCaFile") ? PemCheck.certificate(y, m.get("downstreamCaFile").value(), "downstreamCaFile") : null;
        Path spillDirectory = d.spillDirectory();
        if (m.containsKey("spillDirectory")) {
            Node n = m.get("spillDirectory").value();
            spillDirectory = Path.of(y.scalar(n, "spillDirectory"));
            if (!Files.isDirectory(spillDirectory) || !Files.isWritable(spillDirectory)) {
                throw y.error(n, "spillDirectory " + spillDirectory + " is not a writable directory");
            }
        }
        try {
            return new ListenerConfig("smtp", address, null, null, null, new SmtpProxySettings(down,
                    m.containsKey("xclient") ? y.bool(m.get("xclient").value(), "xclient") : d.xclient(),
                    m.containsKey("hostname") ? y.scalar(m.get("hostname").value(), "hostname") : d.hostname(),
                    m.containsKey("greeting") ? y.scalar(m.get("greeting").value(), "greeting") : null,
                    m.containsKey("maxLineLength") ? (int) y.integer(m.get("maxLineLength").value(), "maxLineLength") : d.maxLineLength(),
                    m.containsKey("maxDataSize") ? y.size(m.get("maxDataSize").value(), "maxDataSize") : d.maxDataSize(),
                    m.containsKey("maxConnectionsPerIp") ? (int) y.integer(m.get("maxConnectionsPerIp").value(), "maxConnectionsPerIp") : 0,
                    m.containsKey("commandTimeout") ? y.duration(m.get("commandTimeout").value(), "commandTimeout") : d.commandTimeout(),
                    m.containsKey("dataTimeout") ? y.duration(m.get("dataTimeout").value(), "dataTimeout") : d.dataTimeout(),
                    m.containsKey("downstreamTimeout") ? y.duration(m.get("downstreamTimeout").value(), "downstreamTimeout") : d.downstreamTimeout(),
                    cert, key, downTls,
                    m.containsKey("proxyProtocol") ? y.bool(m.get("proxyProtocol").value(), "proxyProtocol") : false,
                    auth,
                    m.containsKey("authTlsOnly") ? y.bool(m.get("authTlsOnly").value(), "authTlsOnly") : d.authTlsOnly(),
                    m.containsKey("downstreamVerifyCert") ? y.bool(m.get("downstreamVerifyCert").value(), "downstreamVerifyCert") : false,
                    m.containsKey("downstreamCheckCertName") ? y.bool(m.get("downstreamCheckCertName").value(), "downstreamCheckCertName") : false,
                    caFile,

                    m.containsKey("spillThreshold") ? y.size(m.get("spillThreshold").value(), "spillThreshold") : d.spillThreshold(),
                    spillDirectory));
        } catch (IllegalArgumentException e) {
            throw y.error(item, e.getMessage());
        }
    }

    static MilterSettings milter(Yaml y, Node node) {
        Map<String, Yaml.Entry> m = y.mapping(node, "milter");
        y.allowOnly(m, "milter", List.of("maxPacketSize", "idleTimeout", "leadingSpace", "eventLoops"));
        MilterSettings d = MilterSettings.DEFAULTS;
        long max = m.containsKey("maxPacketSize") ? y.size(m.get("maxPacketSize").value(), "maxPacketSize") : d.maxPacketSize();
        if (max < 65535 || max > (64 << 20)) throw y.error(m.get("maxPacketSize").value(), "maxPacketSize must be between 65535 and 64MiB");
        Duration idle = m.containsKey("idleTimeout") ? y.duration(m.get("idleTimeout").value(), "idleTimeout") : d.idleTimeout();
        boolean lead = m.containsKey("leadingSpace") ? y.bool(m.get("leadingSpace").value(), "leadingSpace") : d.leadingSpace();
        long loops = m.containsKey("eventLoops") ? y.integer(m.get("eventLoops").value(), "eventLoops") : d.eventLoops();
        if (loops < 0 || loops > 1024) throw y.error(m.get("eventLoops").value(), "eventLoops must be between 0 (half the cores) and 1024");
        return new MilterSettings((int) max, idle, lead, (int) loops);
    }

    static MessageSettings message(Yaml y, Node node) {
        Map<String, Yaml.Entry> m = y.mapping(node, "message");
        y.allowOnly(m, "message", List.of("memoryLimit", "tempDirectory", "maxHeaderSize"));
        MessageSettings d = MessageSettings.DEFAULTS;
        long limit = m.containsKey("memoryLimit") ? y.size(m.get("memoryLimit").value(), "memoryLimit") : d.memoryLimit();
        Path dir = m.containsKey("tempDirectory") ? Path.of(y.scalar(m.get("tempDirectory").value(), "tempDirectory")) : d.tempDirectory();
        long maxHeader = m.containsKey("maxHeaderSize") ? y.size(m.get("maxHeaderSize").value(), "maxHeaderSize") : d.maxHeaderSize();
        try {
            return new MessageSettings(limit, dir, maxHeader);
        } catch (IllegalArgumentException e) {
            throw y.error(m.get("maxHeaderSize").value(), e.getMessage());
        }
    }

    static Networks networks(Yaml y, Node node) {
        Map<String, List<IpNetwork>> sets = new LinkedHashMap<>();
        for (Yaml.Entry e : y.mapping(node, "networks").values()) {
            List<IpNetwork> cidrs = new ArrayList<>();
            List<Node> items = y.isScalar(e.value()) ? List.of(e.value()) : y.sequence(e.value(), "network set " + e.key());
            for (Node n : items) {
                try {
                    cidrs.add(IpNetwork.parse(y.scalar(n, "a network")));
                } catch (IllegalArgumentException ex) {
                    throw y.error(n, ex.getMessage());
                }
            }
            sets.put(e.key(), cidrs);
        }
        return new Networks(sets);
    }

    static OnError onError(Yaml y, Node node) {
        if (y.isMapping(node)) {
            Map<String, Yaml.Entry> m = y.mapping(node, "onError");
            y.allowOnly(m, "onError", List.of("score"));
            if (!m.containsKey("score")) throw y.error(node, "onError as a mapping is '{score: N}'");
            return OnError.score(y.number(m.get("score").value(), "score"));
        }
        String s = y.scalar(node, "onError");
        return switch (s) {
            case "tempreject" -> OnError.TEMPREJECT;
            case "accept" -> OnError.ACCEPT;
            case "continue" -> OnError.CONTINUE;
            default -> throw y.error(node, "onError must be tempreject, accept, continue or {score: N}, not '" + s + "'");
        };
    }

    /**
     * Checks the listener's PEM files when the policy loads, so a wrong path or a broken file is an
     * error pointing at the policy line rather than a failed handshake later. Only the JDK is at
     * hand here: certificates are parsed fully; a key is checked for a known PEM label and DER
     * content (PKCS#8 keys are decoded too), the PKCS#1/SEC1 forms are decoded by the listener.
     */
    static final class PemCheck {
        private static final java.util.regex.Pattern BLOCK =
                java.util.regex.Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

        private PemCheck() {}

        /** @param what the setting's name, for the error message */
        static Path certificate(Yaml y, Node node, String what) {
            Path file = Path.of(y.scalar(node, what));
            int count = 0;
            for (var b : blocks(y, node, file, what)) {
                if (!b.label().equals("CERTIFICATE")) continue;
                try {
                    java.security.cert.CertificateFactory.getInstance("X.509")
                            .generateCertificate(new java.io.ByteArrayInputStream(b.der()));
                    count++;
                } catch (java.security.cert.CertificateException e) {
                    throw y.error(node, what + " " + file + " holds an invalid certificate: " + e.getMessage());
                }
            }
            if (count == 0) throw y.error(node, what + " " + file + " holds no PEM 'BEGIN CERTIFICATE' block");
            return file;
        }

        static Path privateKey(Yaml y, Node node) {
            Path file = Path.of(y.scalar(node, "tlsKey"));
            for (var b : blocks(y, node, file, "tlsKey")) {
                switch (b.label()) {
                    case "PRIVATE KEY" -> {
                        pkcs8(y, node, file, b.der());
                        return file;
                    }
                    case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> {
                        // PKCS#1 / SEC1: the JDK cannot decode them; the listener does with Bouncy Castle
                        if (b.der().length < 8 || b.der()[0] != 0x30) {
                            throw y.error(node, "tlsKey " + file + ": the " + b.label() + " block is not DER");
                        }
                        return file;
                    }
                    case "ENCRYPTED PRIVATE KEY" ->
                            throw y.error(node, "tlsKey " + file + " is encrypted; the gateway needs an unencrypted key");
                    default -> { }
                }
            }
            throw y.error(node, "tlsKey " + file + " holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
        }

        private static void pkcs8(Yaml y, Node node, Path file, byte[] der) {
            var spec = new java.security.spec.PKCS8EncodedKeySpec(der);
            for (String alg : List.of("RSA", "EC", "Ed25519", "RSASSA-PSS")) {
                try {
                    java.security.KeyFactory.getInstance(alg).generatePrivate(spec);
                    return;
                } catch (java.security.GeneralSecurityException | RuntimeException e) {
                    // not this algorithm: try the next one
                }
            }
            throw y.error(node, "tlsKey " + file + " holds a PKCS#8 key that is not an RSA, EC or Ed25519 key");
        }

        private record Block(String label, byte[] der) {}

        private static List<Block> blocks(Yaml y, Node node, Path file, String what) {
            String text;
            try {
                text = java.nio.file.Files.readString(file, java.nio.charset.StandardCharsets.US_ASCII);
            } catch (java.io.IOException | RuntimeException e) {
                throw y.error(node, what + " " + file + " cannot be read: " + e);
            }
            List<Block> out = new ArrayList<>();
            var m = BLOCK.matcher(text);
            while (m.find()) {
                try {
                    out.add(new Block(m.group(1), java.util.Base64.getMimeDecoder().decode(m.group(2))));
                } catch (IllegalArgumentException e) {
                    throw y.error(node, what + " " + file + ": the " + m.group(1) + " block is not valid base64");
                }
            }
            if (out.isEmpty()) throw y.error(node, what + " " + file + " is not a PEM file (no -----BEGIN ...----- block)");
            return out;
        }
    }
}
