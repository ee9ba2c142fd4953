// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The cache, the joining of identical lookups, the deadline and the counters, over a scripted transport. */
class CachingDnsResolverTest {
    final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    final ScriptedTransport transport = new ScriptedTransport();
    final DnsSettings settings = DnsSettings.of(List.of(new InetSocketAddress("127.0.0.1", 53))).withTimeout(Duration.ofMillis(300));
    final CachingDnsResolver dns = new CachingDnsResolver(transport, settings, nanos::get);

    /** Answers scripted per name; a name without a script never answers. */
    static final class ScriptedTransport implements DnsTransport {
        final Map<String, DnsAnswer> answers = new ConcurrentHashMap<>();
        final List<String> sent = new ArrayList<>();
        final Map<String, CompletableFuture<DnsAnswer>> held = new ConcurrentHashMap<>();
        boolean hold;

        @Override
        public synchronized CompletableFuture<DnsAnswer> query(String name, DnsType type) {
            sent.add(name + "/" + type);
            DnsAnswer a = answers.get(name + "/" + type);
            if (hold || a == null) return held.computeIfAbsent(name + "/" + type, k -> new CompletableFuture<>());
            return CompletableFuture.completedFuture(a);
        }

        void script(String name, DnsType type, DnsAnswer.Status status, long ttl, String... records) {
            answers.put(name + "/" + type, new DnsAnswer(name, type, status, List.of(records), ttl));
        }

        synchronized int count() {
            return sent.size();
        }
    }

    private DnsAnswer get(String name, DnsType type) throws Exception {
        return dns.lookup(name, type).get(5, TimeUnit.SECONDS);
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void aPositiveAnswerIsCachedForItsTtl() throws Exception {
        transport.script("mx.example.test", DnsType.A, DnsAnswer.Status.OK, 60, "192.0.2.1");
        assertThat(get("MX.example.test.", DnsType.A).records()).containsExactly("192.0.2.1");
        assertThat(get("mx.example.test", DnsType.A).records()).containsExactly("192.0.2.1");
        assertThat(transport.count()).isEqualTo(1);
        advance(Duration.ofSeconds(59));
        get("mx.example.test", DnsType.A);
        assertThat(transport.count()).isEqualTo(1);
        advance(Duration.ofSeconds(2)); // 61 s: expired
        get("mx.example.test", DnsType.A);
        assertThat(transport.count()).isEqualTo(2);
        assertThat(dns.metrics().lookups()).isEqualTo(4);
        assertThat(dns.metrics().queries()).isEqualTo(2);
        assertThat(dns.metrics().cacheHits()).isEqualTo(2);
    }

    @Test
    void typesAreCachedApart() throws Exception {
        transport.script("example.test", DnsType.A, DnsAnswer.Status.OK, 60, "192.0.2.1");
        transport.script("example.test", DnsType.MX, DnsAnswer.Status.OK, 60, "10 mx.example.test.");
        assertThat(get("example.test", DnsType.A).records()).containsExactly("192.0.2.1");
        assertThat(get("example.test", DnsType.MX).records()).containsExactly("10 mx.example.test.");
        assertThat(transport.count()).isEqualTo(2);
    }

    @Test
    void negativeAnswersAreCachedForTheirNegativeTtl() throws Exception {
        transport.script("2.0.2.192.bl.test", DnsType.A, DnsAnswer.Status.NXDOMAIN, 30);
        transport.script("bl.test", DnsType.MX, DnsAnswer.Status.NODATA, 10);
        assertThat(get("2.0.2.192.bl.test", DnsType.A).status()).isEqualTo(DnsAnswer.Status.NXDOMAIN);
        assertThat(get("bl.test", DnsType.MX).status()).isEqualTo(DnsAnswer.Status.NODATA);
        advance(Duration.ofSeconds(9));
        get("2.0.2.192.bl.test", DnsType.A);
        get("bl.test", DnsType.MX);
        assertThat(transport.count()).isEqualTo(2);
        advance(Duration.ofSeconds(2)); // 11 s: NODATA expired, NXDOMAIN not yet
        get("2.0.2.192.bl.test", DnsType.A);
        get("bl.test", DnsType.MX);
        assertThat(transport.sent).containsExactly("2.0.2.192.bl.test/A", "bl.test/MX", "bl.test/MX");
    }

    @Test
    void ttlsAreCapped() throws Exception {
        DnsSettings capped = new DnsSettings(settings.servers(), settings.timeout(), 1, 100, Duration.ofSeconds(100), Duration.ofSeconds(5));
        CachingDnsResolver c = new CachingDnsResolver(transport, capped, nanos::get);
        transport.script("long.test", DnsType.A, DnsAnswer.Status.OK, 86400 * 7, "192.0.2.7");
        transport.script("gone.test", DnsType.A, DnsAnswer.Status.NXDOMAIN, 86400);
        assertThat(c.lookup("long.test", DnsType.A).get().ttl()).isEqualTo(100);
        assertThat(c.lookup("gone.test", DnsType.A).get().ttl()).isEqualTo(5);
        advance(Duration.ofSeconds(6));
        c.lookup("gone.test", DnsType.A).get();
        c.lookup("long.test", DnsType.A).get();
        assertThat(transport.sent).containsExactly("long.test/A", "gone.test/A", "gone.test/A");
    }

    @Test
    void failuresAreNeverCached() throws Exception {
        transport.script("flaky.test", DnsType.TXT, DnsAnswer.Status.SERVFAIL, 300);
        assertThat(get("flaky.test", DnsType.TXT).status()).isEqualTo(DnsAnswer.Status.SERVFAIL);
        assertThat(get("flaky.test", DnsType.TXT).ttl()).isZero();
        assertThat(transport.count()).isEqualTo(2);
        assertThat(dns.metrics().servfails()).isEqualTo(2);
    }

    @Test
    void identicalLookupsInFlightShareOneQuery() throws Exception {
        transport.hold = true;
        CompletableFuture<DnsAnswer> a = dns.lookup("slow.test", DnsType.A);
        CompletableFuture<DnsAnswer> b = dns.lookup("SLOW.test.", DnsType.A);
        CompletableFuture<DnsAnswer> other = dns.lookup("slow.test", DnsType.AAAA);
        assertThat(a).isNotDone();
        assertThat(transport.sent).containsExactly("slow.test/A", "slow.test/AAAA");
        transport.held.get("slow.test/A").complete(new DnsAnswer("slow.test", DnsType.A, DnsAnswer.Status.OK, List.of("192.0.2.9"), 60));
        assertThat(a.get(1, TimeUnit.SECONDS).records()).containsExactly("192.0.2.9");
        assertThat(b.get(1, TimeUnit.SECONDS).records()).containsExactly("192.0.2.9");
        assertThat(other).isNotDone();
        assertThat(dns.metrics().queries()).isEqualTo(2);
        assertThat(dns.metrics().cacheHits()).isEqualTo(1);
    }

    @Test
    void aLookupWithoutAnswerEndsAsTimeoutAtTheDeadline() throws Exception {
        long start = System.nanoTime();
        DnsAnswer a = get("blackhole.test", DnsType.A); // never scripted: never answers
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(a.status()).isEqualTo(DnsAnswer.Status.TIMEOUT);
        assertThat(a.isError()).isTrue();
        assertThat(ms).isBetween(250L, 3000L);
        assertThat(dns.metrics().timeouts()).isEqualTo(1);
        get("blackhole.test", DnsType.A); // a timeout is not cached: asked again
        assertThat(transport.count()).isEqualTo(2);
    }

    @Test
    void aCallerCancellingItsFutureDoesNotSpoilTheCache() throws Exception {
        transport.hold = true;
        CompletableFuture<DnsAnswer> first = dns.lookup("shared.test", DnsType.A);
        first.cancel(true);
        first.complete(null);
        CompletableFuture<DnsAnswer> second = dns.lookup("shared.test", DnsType.A);
        transport.held.get("shared.test/A").complete(new DnsAnswer("shared.test", DnsType.A, DnsAnswer.Status.OK, List.of("192.0.2.3"), 60));
        assertThat(second.get(1, TimeUnit.SECONDS).records()).containsExactly("192.0.2.3");
        assertThat(transport.count()).isEqualTo(1);
    }

    @Test
    void namesThatCannotExistAreNxdomainWithoutAQuery() throws Exception {
        DnsAnswer a = get("a..b.test", DnsType.A);
        assertThat(a.status()).isEqualTo(DnsAnswer.Status.NXDOMAIN);
        assertThat(a.ttl()).isZero();
        assertThat(get("x".repeat(64) + ".test", DnsType.TXT).status()).isEqualTo(DnsAnswer.Status.NXDOMAIN);
        assertThat(transport.count()).isZero();
    }

    @Test
    void trackedZonesAreCountedApart() throws Exception {
        dns.metrics().track("bl.test");
        dns.metrics().track("wl.test");
        transport.script("2.0.0.127.bl.test", DnsType.A, DnsAnswer.Status.OK, 60, "127.0.0.2");
        transport.script("x.other.test", DnsType.A, DnsAnswer.Status.SERVFAIL, 0);
        get("2.0.0.127.bl.test", DnsType.A);
        get("2.0.0.127.bl.test", DnsType.A);
        get("x.other.test", DnsType.A);
        DnsMetrics.Snapshot s = dns.metrics().snapshot();
        assertThat(s.total()).isEqualTo(new DnsMetrics.Counts(3, 1, 2, 0, 1));
        assertThat(s.zones()).containsOnlyKeys("bl.test", "wl.test");
        assertThat(s.zones().get("bl.test")).isEqualTo(new DnsMetrics.Counts(2, 1, 1, 0, 0));
        assertThat(s.zones().get("wl.test")).isEqualTo(new DnsMetrics.Counts(0, 0, 0, 0, 0));
    }

    @Test
    void closingForgetsTheCache() throws Exception {
        transport.script("a.test", DnsType.A, DnsAnswer.Status.OK, 60, "192.0.2.1");
        get("a.test", DnsType.A);
        assertThat(dns.cachedAnswers()).isEqualTo(1);
        dns.close();
        assertThat(dns.cachedAnswers()).isZero();
    }
}
