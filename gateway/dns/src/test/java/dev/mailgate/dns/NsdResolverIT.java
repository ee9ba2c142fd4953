// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.mailgate.dns.DnsAnswer.Status;
import dev.mailgate.dns.testing.NsdServer;
import dev.mailgate.dns.testing.SilentDnsServer;
import dev.mailgate.testkit.mta.LocalPorts;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The resolver against a real NSD on 127.0.0.1, a server that never answers, and a closed port. */
@Timeout(60)
class NsdResolverIT {
    static Path dir;
    static NsdServer nsd;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(NsdServer.isAvailable(), "nsd is not installed (run .ci/deps/dns.sh)");
        dir = Files.createTempDirectory("mailgate-nsd-it");
        StringBuilder big = new StringBuilder();
        for (int i = 0; i < 8; i++) big.append("big TXT \"").append(Character.toString('a' + i).repeat(250)).append("\"\n");
        nsd = NsdServer.builder(dir).port(LocalPorts.freePort()).negativeTtl(45)
                .zone("example.test", """
                        @      MX   10 mx
                        @      TXT  "v=spf1 " "mx -all"
                        mx     A    192.0.2.25
                        mx     AAAA 2001:db8::25
                        www    CNAME mx
                        short  30 A 192.0.2.30
                        """ + big)
                .zone("bl.test", """
                        2.0.0.127                           A   127.0.0.2
                        2.0.0.127                           TXT "listed: RFC 5782 test point"
                        2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0 A 127.0.0.2
                        """)
                .zone("2.0.192.in-addr.arpa", "25 PTR mx.example.test.\n")
                .start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (nsd != null) nsd.close();
        if (dir != null) {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static CachingDnsResolver resolver(Duration timeout, int retries, InetSocketAddress... servers) {
        return CachingDnsResolver.create(DnsSettings.of(List.of(servers)).withTimeout(timeout).withRetries(retries));
    }

    private static DnsAnswer get(DnsResolver r, String name, DnsType type) throws Exception {
        return r.lookup(name, type).get(10, TimeUnit.SECONDS);
    }

    @Test
    void everyTypeFromARealServer() throws Exception {
        try (CachingDnsResolver r = resolver(Duration.ofSeconds(2), 1, nsd.address())) {
            assertThat(get(r, "example.test", DnsType.MX).records()).containsExactly("10 mx.example.test.");
            assertThat(get(r, "example.test", DnsType.TXT).records()).containsExactly("v=spf1 mx -all");
            assertThat(get(r, "mx.example.test", DnsType.A).records()).containsExactly("192.0.2.25");
            assertThat(get(r, "mx.example.test", DnsType.AAAA).records()).containsExactly("2001:db8::25");
            assertThat(get(r, "www.example.test", DnsType.CNAME).records()).containsExactly("mx.example.test.");
            assertThat(get(r, DnsNames.ptrName("192.0.2.25"), DnsType.PTR).records()).containsExactly("mx.example.test.");
            assertThat(get(r, "short.example.test", DnsType.A).ttl()).isEqualTo(30);
            assertThat(get(r, DnsNames.reversed("127.0.0.2") + ".bl.test", DnsType.TXT).records())
                    .containsExactly("listed: RFC 5782 test point");
            assertThat(get(r, DnsNames.reversed("::FFFF:7F00:2") + ".bl.test", DnsType.A).records()).containsExactly("127.0.0.2");
        }
    }

    @Test
    void aLargeAnswerComesOverTcp() throws Exception {
        try (CachingDnsResolver r = resolver(Duration.ofSeconds(3), 1, nsd.address())) {
            DnsAnswer a = get(r, "big.example.test", DnsType.TXT);
            assertThat(a.status()).isEqualTo(Status.OK);
            assertThat(a.records()).hasSize(8).allSatisfy(t -> assertThat(t).hasSize(250));
        }
    }

    @Test
    void negativeAnswersWithTheSoaTtlAndTheRfc5782TestPoints() throws Exception {
        try (CachingDnsResolver r = resolver(Duration.ofSeconds(2), 1, nsd.address())) {
            DnsAnswer nx = get(r, DnsNames.reversed("127.0.0.1") + ".bl.test", DnsType.A);
            assertThat(nx.status()).isEqualTo(Status.NXDOMAIN);
            assertThat(nx.ttl()).isEqualTo(45);
            assertThat(get(r, DnsNames.reversed("::FFFF:7F00:1") + ".bl.test", DnsType.A).status()).isEqualTo(Status.NXDOMAIN);
            DnsAnswer nodata = get(r, "mx.example.test", DnsType.MX);
            assertThat(nodata.status()).isEqualTo(Status.NODATA);
            assertThat(nodata.ttl()).isEqualTo(45);
            // not served here: NSD refuses, which is a failure, never "no such name"
            assertThat(get(r, "example.invalid", DnsType.A).status()).isEqualTo(Status.SERVFAIL);
        }
    }

    @Test
    void aWarmCacheSendsNoQuery() throws Exception {
        try (CachingDnsResolver r = resolver(Duration.ofSeconds(2), 1, nsd.address())) {
            r.metrics().track("bl.test");
            String listed = DnsNames.reversed("127.0.0.2") + ".bl.test";
            String clean = DnsNames.reversed("127.0.0.1") + ".bl.test";
            get(r, listed, DnsType.A);
            get(r, clean, DnsType.A);
            long queries = r.metrics().queries();
            for (int i = 0; i < 100; i++) {
                assertThat(r.lookup(listed, DnsType.A)).isCompleted();
                assertThat(r.lookup(clean, DnsType.A)).isCompleted();
            }
            assertThat(r.metrics().queries()).isEqualTo(queries);
            assertThat(r.metrics().snapshot().zones().get("bl.test").cacheHits()).isEqualTo(200);
        }
    }

    @Test
    void concurrentIdenticalLookupsSendOneQuery() throws Exception {
        try (CachingDnsResolver r = resolver(Duration.ofSeconds(2), 1, nsd.address())) {
            List<CompletableFuture<DnsAnswer>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) all.add(r.lookup("mx.example.test", DnsType.AAAA));
            for (CompletableFuture<DnsAnswer> f : all) assertThat(f.get(5, TimeUnit.SECONDS).records()).containsExactly("2001:db8::25");
            assertThat(r.metrics().queries()).isEqualTo(1);
        }
    }

    @Test
    void aServerThatNeverAnswersTimesOutWithinTheDeadline() throws Exception {
        try (SilentDnsServer silent = new SilentDnsServer();
             CachingDnsResolver r = resolver(Duration.ofMillis(600), 1, new InetSocketAddress("127.0.0.1", silent.port()))) {
            long t0 = System.nanoTime();
            DnsAnswer a = get(r, "mx.example.test", DnsType.A);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertThat(a.status()).isEqualTo(Status.TIMEOUT);
            assertThat(ms).isBetween(500L, 2500L);
            assertThat(r.metrics().timeouts()).isEqualTo(1);
        }
    }

    @Test
    void aClosedPortIsAFailureNotAnAnswer() throws Exception {
        int closed = LocalPorts.freePort(); // nothing listens there
        try (CachingDnsResolver r = resolver(Duration.ofSeconds(1), 0, new InetSocketAddress("127.0.0.1", closed))) {
            DnsAnswer a = get(r, "mx.example.test", DnsType.A);
            assertThat(a.isError()).as(a.toString()).isTrue();
        }
    }

    @Test
    void aDeadServerIsSkippedForTheNextOne() throws Exception {
        try (SilentDnsServer silent = new SilentDnsServer();
             CachingDnsResolver r = resolver(Duration.ofSeconds(2), 1, new InetSocketAddress("127.0.0.1", silent.port()), nsd.address())) {
            assertThat(get(r, "mx.example.test", DnsType.A).records()).containsExactly("192.0.2.25");
        }
    }
}
