// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.DnsType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * An in-process resolver answering from zone data, for tests. Names are case-insensitive; a name
 * absent is NXDOMAIN, a name without records of the type NODATA; CNAMEs are followed (a loop is
 * SERVFAIL); a name marked timing out answers TIMEOUT for the types it has no records of; a name
 * marked hanging never answers (a resolver slower than the check's deadline).
 *
 * <p>Zone text, one record per line: {@code name TYPE value}, e.g. {@code example.com TXT v=spf1 -all},
 * {@code example.com MX 10 mx.example.com}, {@code slow.example TIMEOUT}, {@code dead.example HANG}.
 */
final class ZoneResolver implements DnsResolver {
    private static final class Node {
        final Map<DnsType, List<String>> records = new HashMap<>();
        final Set<DnsType> timeouts = EnumSet.noneOf(DnsType.class);
        boolean timeoutAll;
        boolean hang;
    }

    private final Map<String, Node> nodes = new HashMap<>();
    private final List<String> queries = Collections.synchronizedList(new ArrayList<>());

    static ZoneResolver of(String zoneText) {
        return of(zoneText.lines().toList());
    }

    static ZoneResolver of(List<String> lines) {
        ZoneResolver z = new ZoneResolver();
        for (String line : lines) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) continue;
            String[] p = l.split("\\s+", 3);
            if (p.length < 2) throw new IllegalArgumentException("zone line needs a name and a type: " + line);
            switch (p[1].toUpperCase(Locale.ROOT)) {
                case "TIMEOUT" -> z.timeout(p[0]);
                case "HANG" -> z.hang(p[0]);
                default -> {
                    if (p.length < 3) throw new IllegalArgumentException("zone line needs a value: " + line);
                    DnsType type = DnsType.valueOf(p[1].toUpperCase(Locale.ROOT));
                    String value = p[2];
                    if (type == DnsType.MX || type == DnsType.PTR || type == DnsType.CNAME) value = absolute(value);
                    z.add(p[0], type, value);
                }
            }
        }
        return z;
    }

    /** Adds a record; the value in {@link DnsAnswer}'s text form. */
    ZoneResolver add(String name, DnsType type, String value) {
        node(name).records.computeIfAbsent(type, t -> new ArrayList<>()).add(value);
        return this;
    }

    /** Makes the name exist without records of {@code type} (as {@code TXT: NONE} does). */
    ZoneResolver exists(String name) {
        node(name);
        return this;
    }

    ZoneResolver timeout(String name) {
        node(name).timeoutAll = true;
        return this;
    }

    ZoneResolver timeout(String name, DnsType type) {
        node(name).timeouts.add(type);
        return this;
    }

    ZoneResolver hang(String name) {
        node(name).hang = true;
        return this;
    }

    /** Every query so far, as {@code TYPE name}. */
    List<String> queries() {
        synchronized (queries) {
            return List.copyOf(queries);
        }
    }

    private Node node(String name) {
        return nodes.computeIfAbsent(normalize(name), n -> new Node());
    }

    @Override
    public CompletableFuture<DnsAnswer> lookup(String name, DnsType type) {
        String asked = normalize(name);
        queries.add(type + " " + asked);
        if (!sendable(asked)) return answer(asked, type, DnsAnswer.Status.SERVFAIL, List.of());
        String n = asked;
        Set<String> seen = new HashSet<>();
        while (seen.add(n)) {
            Node node = nodes.get(n);
            if (node == null) return answer(asked, type, DnsAnswer.Status.NXDOMAIN, List.of());
            if (node.hang) return new CompletableFuture<>();
            List<String> recs = node.records.getOrDefault(type, List.of());
            if (!recs.isEmpty()) return answer(asked, type, DnsAnswer.Status.OK, recs);
            if (node.timeoutAll || node.timeouts.contains(type)) return answer(asked, type, DnsAnswer.Status.TIMEOUT, List.of());
            List<String> cname = node.records.getOrDefault(DnsType.CNAME, List.of());
            if (type == DnsType.CNAME || cname.isEmpty()) return answer(asked, type, DnsAnswer.Status.NODATA, List.of());
            n = normalize(cname.get(0));
        }
        return answer(asked, type, DnsAnswer.Status.SERVFAIL, List.of()); // CNAME loop
    }

    private static CompletableFuture<DnsAnswer> answer(String name, DnsType type, DnsAnswer.Status status, List<String> records) {
        return CompletableFuture.completedFuture(new DnsAnswer(name, type, status, records, 300));
    }

    /** A real client cannot even encode a name with an empty or over-long label. */
    private static boolean sendable(String name) {
        if (name.isEmpty()) return false;
        for (String label : name.split("\\.", -1)) if (label.isEmpty() || label.length() > 63) return false;
        return true;
    }

    static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        return n.endsWith(".") ? n.substring(0, n.length() - 1) : n;
    }

    /** MX, PTR and CNAME targets end with a dot, as {@link DnsAnswer} says. */
    static String absolute(String value) {
        return value.endsWith(".") ? value : value + ".";
    }
}
