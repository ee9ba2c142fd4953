// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mailgate.dns.DnsType;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The RFC 7208 test suite (src/test/resources/rfc7208, see its README): one dynamic test per
 * case, DNS answered from the scenario's zone data. A case passes if the result is the expected
 * one (or one of the listed ones) and, where the case names an explanation, the explanation is
 * exactly that ("DEFAULT" is the default explanation, as in the reference driver).
 */
class Rfc7208SuiteTest {
    private static final String SUITE = "/rfc7208/rfc7208-tests.yml";
    private static final InstantSource CLOCK = InstantSource.fixed(Instant.parse("2024-05-01T12:00:00Z"));

    private record Scenario(String description, Map<String, Object> tests, ZoneResolver zone) {}

    @SuppressWarnings("unchecked")
    private static List<Scenario> scenarios() throws IOException {
        try (InputStream in = Rfc7208SuiteTest.class.getResourceAsStream(SUITE)) {
            assertThat(in).as(SUITE).isNotNull();
            String yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            List<Scenario> out = new ArrayList<>();
            for (Object doc : new Load(LoadSettings.builder().build()).loadAllFromString(yaml)) {
                Map<String, Object> d = (Map<String, Object>) doc;
                out.add(new Scenario((String) d.get("description"), (Map<String, Object>) d.get("tests"),
                        zone((Map<String, Object>) d.get("zonedata"))));
            }
            return out;
        }
    }

    /**
     * The reference driver's rules: an SPF entry is served as TXT unless the name has TXT
     * entries ("TXT: NONE" is one that holds nothing); a bare TIMEOUT times out every type the
     * name has no records of; a name absent is NXDOMAIN.
     */
    @SuppressWarnings("unchecked")
    private static ZoneResolver zone(Map<String, Object> zonedata) {
        ZoneResolver z = new ZoneResolver();
        for (Map.Entry<String, Object> e : zonedata.entrySet()) {
            String name = e.getKey();
            z.exists(name);
            List<Object> entries = (List<Object>) e.getValue();
            boolean hasTxt = entries.stream().anyMatch(x -> x instanceof Map<?, ?> m && m.containsKey("TXT"));
            for (Object entry : entries) {
                if ("TIMEOUT".equals(entry)) {
                    z.timeout(name);
                    continue;
                }
                Map.Entry<String, Object> rr = ((Map<String, Object>) entry).entrySet().iterator().next();
                String type = rr.getKey();
                Object v = rr.getValue();
                if ("TIMEOUT".equals(v)) {
                    z.timeout(name, DnsType.valueOf(type.equals("SPF") ? "TXT" : type));
                    continue;
                }
                switch (type) {
                    case "SPF" -> { if (!hasTxt) z.add(name, DnsType.TXT, text(v)); }
                    case "TXT" -> { if (!"NONE".equals(v)) z.add(name, DnsType.TXT, text(v)); }
                    case "MX" -> {
                        List<Object> mx = (List<Object>) v;
                        z.add(name, DnsType.MX, mx.get(0) + " " + ZoneResolver.absolute(String.valueOf(mx.get(1))));
                    }
                    case "PTR", "CNAME" -> z.add(name, DnsType.valueOf(type), ZoneResolver.absolute(String.valueOf(v)));
                    case "A", "AAAA" -> z.add(name, DnsType.valueOf(type), String.valueOf(v));
                    default -> throw new IllegalArgumentException("record type " + type + " in the suite");
                }
            }
        }
        return z;
    }

    /** A TXT record: one string, or several character-strings glued without separator. */
    @SuppressWarnings("unchecked")
    private static String text(Object v) {
        return v instanceof List<?> l ? String.join("", (List<String>) l) : String.valueOf(v);
    }

    @TestFactory
    Stream<DynamicContainer> rfc7208() throws IOException {
        return scenarios().stream().map(s -> DynamicContainer.dynamicContainer(s.description(),
                s.tests().entrySet().stream().map(t -> DynamicTest.dynamicTest(t.getKey(), () -> run(s, t.getKey(), asMap(t.getValue()))))));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return (Map<String, Object>) o;
    }

    private static void run(Scenario s, String id, Map<String, Object> t) {
        SpfEvaluator evaluator = new SpfEvaluator(s.zone(), Duration.ofSeconds(20), 10, 2,
                MacroString.explanation("DEFAULT"), CLOCK);
        IpAddress ip = IpAddress.client(String.valueOf(t.get("host"))).orElseThrow();
        SpfCheckResult r = evaluator.checkMailFrom(ip, String.valueOf(t.get("mailfrom")), String.valueOf(t.get("helo")), "receiver.example");
        Object expected = t.get("result");
        List<String> accepted = expected instanceof List<?> l ? l.stream().map(String::valueOf).toList() : List.of(String.valueOf(expected));
        assertThat(r.result().keyword()).as("%s: %s (problem: %s)", id, t.get("description"), r.problem()).isIn(accepted);
        if (t.containsKey("explanation")) {
            assertThat(r.explanation()).as("%s explanation", id).isEqualTo(t.get("explanation"));
        }
    }

    @Test
    void theSuiteHasItsSixteenScenariosAndTwoHundredThreeTests() throws IOException {
        List<Scenario> all = scenarios();
        assertThat(all).hasSize(16);
        assertThat(all.stream().mapToInt(s -> s.tests().size()).sum()).isEqualTo(203);
        long explained = all.stream().flatMap(s -> s.tests().values().stream()).filter(t -> asMap(t).containsKey("explanation")).count();
        assertThat(explained).isEqualTo(22);
        assertThat(all.get(0).description().toLowerCase(Locale.ROOT)).isEqualTo("initial processing");
    }
}
