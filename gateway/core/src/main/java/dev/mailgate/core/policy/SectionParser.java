// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.IpNetwork;
import dev.mailgate.core.chain.OnError;
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
            y.allowOnly(m, "a listener", List.of("milter", "mode", "owner", "group"));
            Yaml.Entry addr = m.get("milter");
            if (addr == null) throw y.error(item, "a listener needs 'milter: inet:host:port', 'milter: unix:/path' or 'smtp: inet:host:port'");
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

    /** {@code - smtp: inet:host:port} with the proxy's settings next to it; nothing is bound or resolved here. */
    private static ListenerConfig smtpListener(Yaml y, Node item, Map<String, Yaml.Entry> m) {
        y.allowOnly(m, "an smtp listener", List.of("smtp", "downstream", "xclient", "hostname", "greeting", "maxLineLength",
                "maxDataSize", "maxConnectionsPerIp", "commandTimeout", "dataTimeout", "downstreamTimeout"));
        ListenAddress address = address(y, m.get("smtp").value(), "smtp");
        if (address.isUnix()) throw y.error(m.get("smtp").value(), "an smtp listener needs inet:host:port");
        if (!m.containsKey("downstream")) throw y.error(item, "an smtp listener needs 'downstream: inet:host:port' (the MTA to relay to)");
        ListenAddress down = address(y, m.get("downstream").value(), "downstream");
        SmtpProxySettings d = SmtpProxySettings.of(down.isUnix() ? ListenAddress.parse("inet:127.0.0.1:25") : down);
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
                    m.containsKey("downstreamTimeout") ? y.duration(m.get("downstreamTimeout").value(), "downstreamTimeout") : d.downstreamTimeout()));
        } catch (IllegalArgumentException e) {
            throw y.error(item, e.getMessage());
        }
    }

    static MilterSettings milter(Yaml y, Node node) {
        Map<String, Yaml.Entry> m = y.mapping(node, "milter");
        y.allowOnly(m, "milter", List.of("maxPacketSize", "idleTimeout", "leadingSpace"));
        MilterSettings d = MilterSettings.DEFAULTS;
        long max = m.containsKey("maxPacketSize") ? y.size(m.get("maxPacketSize").value(), "maxPacketSize") : d.maxPacketSize();
        if (max < 65535 || max > (64 << 20)) throw y.error(m.get("maxPacketSize").value(), "maxPacketSize must be between 65535 and 64MiB");
        Duration idle = m.containsKey("idleTimeout") ? y.duration(m.get("idleTimeout").value(), "idleTimeout") : d.idleTimeout();
        boolean lead = m.containsKey("leadingSpace") ? y.bool(m.get("leadingSpace").value(), "leadingSpace") : d.leadingSpace();
        return new MilterSettings((int) max, idle, lead);
    }

    static MessageSettings message(Yaml y, Node node) {
        Map<String, Yaml.Entry> m = y.mapping(node, "message");
        y.allowOnly(m, "message", List.of("memoryLimit", "tempDirectory"));
        MessageSettings d = MessageSettings.DEFAULTS;
        long limit = m.containsKey("memoryLimit") ? y.size(m.get("memoryLimit").value(), "memoryLimit") : d.memoryLimit();
        Path dir = m.containsKey("tempDirectory") ? Path.of(y.scalar(m.get("tempDirectory").value(), "tempDirectory")) : d.tempDirectory();
        return new MessageSettings(limit, dir);
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
}
