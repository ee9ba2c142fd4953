// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.rdns.bench;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.HeaderField;
import dev.mailgate.api.MessageBody;
import dev.mailgate.api.MessageEditor;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.chain.ChainEntry;
import dev.mailgate.core.policy.FilterRegistry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.PolicyLoader;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.dns.DnsResolver;
import dev.mailgate.dns.testing.NsdServer;
import dev.mailgate.filters.dnsbl.DnsblFilterFactory;
import dev.mailgate.filters.rdns.RdnsFilterFactory;
import dev.mailgate.filters.sendermx.SendermxFilterFactory;
import dev.mailgate.testkit.mta.LocalPorts;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Hand-run benchmark (not a test): the cost per message of every DNS check together (dnsbl with
 * two IP lists and a domain list, rdns with FCrDNS and HELO checks, sendermx) once the cache is
 * warm, against a real NSD on 127.0.0.1. It prints the DNS queries sent while measuring (must be
 * 0) and the process CPU time per message: through the whole pipeline (with and without the
 * DNS filters), and of the filter callbacks alone.
 *
 * <pre>
 * .ci/mvn -q -o -pl filters/rdns test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt -Dmdep.includeScope=test
 * $(.ci/jdk.sh)/bin/java -cp filters/rdns/target/test-classes:filters/rdns/target/classes:$(cat /tmp/cp.txt) \
 *     dev.mailgate.filters.rdns.bench.DnsChecksBench [messages]
 * </pre>
 */
public final class DnsChecksBench {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        Path dir = Files.createTempDirectory("mailgate-bench-nsd");
        try (NsdServer nsd = NsdServer.builder(dir).port(LocalPorts.freePort())
                .zone("bl.test", "2.0.0.127 A 127.0.0.2\n")
                .zone("bl2.test", "2.0.0.127 A 127.0.0.2\n")
                .zone("dbl.test", "test A 127.0.0.2\n")
                .zone("example.test", """
                        @     MX   10 mail
                        mail  A    192.0.2.25
                        mail  AAAA 2001:db8::25
                        """)
                .zone("2.0.192.in-addr.arpa", "25 PTR mail.example.test.\n")
                .start()) {
            String services = "services:\n  dns: { servers: [" + nsd.server() + "], maxNegativeTtl: 1h }\n";
            String checks = services + """
                    filters:
                      - dnsbl: { zones: [bl.test, bl2.test], domains: [dbl.test] }
                      - rdns: {}
                      - sendermx: {}
                    """;
            Policy withDns = load(checks);
            Policy stageByStage = load("defaults: { startEarly: false }\n" + checks);
            Policy without = load(services + "filters: []\n");
            DnsResolver dns = withDns.services().service(DnsResolver.class);

            run(withDns, 20_000); // warm the cache and the JIT
            run(stageByStage, 20_000);
            run(without, 20_000);
            long queries = dns.metrics().queries();
            double pipelineWith = run(withDns, messages);
            double pipelineStaged = run(stageByStage, messages);
            double pipelineWithout = run(without, messages);
            double filtersOnly = filtersOnly(withDns.chain(), messages);
            System.out.printf("messages measured: %d each; DNS queries sent while measuring: %d%n", messages, dns.metrics().queries() - queries);
            System.out.printf("pipeline with the DNS checks:    %.2f us CPU per message (started early, awaited at DATA)%n", pipelineWith);
            System.out.printf("  the same, stage by stage:      %.2f us CPU per message (startEarly: false)%n", pipelineStaged);
            System.out.printf("pipeline without them:           %.2f us CPU per message%n", pipelineWithout);
            System.out.printf("the DNS filters' callbacks only: %.2f us CPU per message%n", filtersOnly);
            withDns.close();
            stageByStage.close();
            without.close();
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static Policy load(String yaml) {
        return new PolicyLoader(new FilterRegistry(List.of(new DnsblFilterFactory(), new RdnsFilterFactory(), new SendermxFilterFactory())),
                Clock.systemUTC()).parse("bench.yaml", yaml);
    }

    /** CPU microseconds per message: connect, EHLO, MAIL FROM, RCPT TO, DATA (the early checks are awaited there), disconnect. */
    private static double run(Policy policy, int messages) {
        Pipeline pipeline = new Pipeline(policy);
        long cpu0 = OS.getProcessCpuTime();
        for (int i = 0; i < messages; i++) {
            Session s = pipeline.open("bench", MacroSource.NONE);
            s.process(new SessionEvent.Connect("[192.0.2.25]", "192.0.2.25", 40000, "198.51.100.1", 25));
            s.process(new SessionEvent.Ehlo("mail.example.test", true));
            s.process(new SessionEvent.MailFrom("<a@example.test>", List.of()));
            s.process(new SessionEvent.RcptTo("<b@example.net>", List.of()));
            s.process(new SessionEvent.Data());
            s.process(new SessionEvent.Disconnect());
        }
        return (OS.getProcessCpuTime() - cpu0) / 1000.0 / messages;
    }

    /** The filters' callbacks called directly (no pipeline, no thread hand-off). */
    private static double filtersOnly(List<ChainEntry> chain, int messages) throws Exception {
        long cpu0 = OS.getProcessCpuTime();
        for (int i = 0; i < messages; i++) {
            Context ctx = new Context();
            for (ChainEntry e : chain) {
                Filter f = e.filter();
                if (f.stages().contains(Stage.CONNECT)) f.onConnect(ctx);
                if (f.stages().contains(Stage.EHLO)) f.onEhlo(ctx);
                if (f.stages().contains(Stage.MAIL_FROM)) f.onMailFrom(ctx);
            }
        }
        return (OS.getProcessCpuTime() - cpu0) / 1000.0 / messages;
    }

    /** Just enough of a session for the filters. */
    private static final class Context implements FilterContext {
        private final Map<String, Object> vars = new HashMap<>();

        Context() {
            vars.put(StandardVars.REMOTE_SMTP_IP.name(), "192.0.2.25");
            vars.put(StandardVars.SMTP_IP.name(), "198.51.100.1");
            vars.put(StandardVars.EHLO_HOST.name(), "mail.example.test");
            vars.put(StandardVars.MAIL_FROM_ADDR.name(), "a@example.test");
            vars.put(StandardVars.MAIL_FROM_DOMAIN.name(), "example.test");
        }

        public String sessionId() { return "bench"; }
        public Stage stage() { return Stage.CONNECT; }
        @SuppressWarnings("unchecked")
        public <T> T get(Var<T> var) { return (T) vars.getOrDefault(var.name(), var.emptyValue()); }
        @SuppressWarnings("unchecked")
        public <T> Optional<T> find(Var<T> var) { return Optional.ofNullable((T) vars.get(var.name())); }
        public <T> void set(Var<T> var, T value) { vars.put(var.name(), value); }
        public Optional<String> macro(String name) { return Optional.empty(); }
        public void report(String symbol, String detail) { }
        public List<HeaderField> headers() { return List.of(); }
        public Optional<MessageBody> body() { return Optional.empty(); }
        public MessageEditor edit() { throw new UnsupportedOperationException(); }
    }
}
