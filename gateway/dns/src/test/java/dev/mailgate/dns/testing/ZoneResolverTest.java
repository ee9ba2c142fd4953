// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsAnswer.Status;
import dev.mailgate.dns.DnsType;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ZoneResolverTest {
    static final ZoneResolver DNS = ZoneResolver.of("""
            $ORIGIN example.test.
            @        600 SOA ns hostmaster 1 3600 600 86400 120
            @            MX  10 mx
            @            TXT "v=spf1 " "mx -all"
            mx           A   192.0.2.25
            mx           AAAA 2001:db8::25
            www          CNAME mx
            loop1        CNAME loop2
            loop2        CNAME loop1
            dangling     CNAME nowhere
            a.b.deep     A   192.0.2.1
            *.wild       A   192.0.2.99
            exists.wild  TXT "here"
            """);

    private static DnsAnswer get(ZoneResolver r, String name, DnsType type) throws Exception {
        return r.lookup(name, type).get(2, TimeUnit.SECONDS);
    }

    private static DnsAnswer get(String name, DnsType type) throws Exception {
        return get(DNS, name, type);
    }

    @Test
    void answersRecordsInTheRealResolversForms() throws Exception {
        assertThat(get("example.test", DnsType.MX).records()).containsExactly("10 mx.example.test.");
        assertThat(get("EXAMPLE.test.", DnsType.TXT).records()).containsExactly("v=spf1 mx -all");
        assertThat(get("mx.example.test", DnsType.AAAA).records()).containsExactly("2001:db8::25");
        assertThat(get("mx.example.test", DnsType.A).ttl()).isEqualTo(300);
    }

    @Test
    void nxdomainAndNodataCarryTheSoaNegativeTtl() throws Exception {
        DnsAnswer nx = get("nope.example.test", DnsType.A);
        assertThat(nx.status()).isEqualTo(Status.NXDOMAIN);
        assertThat(nx.ttl()).isEqualTo(120);
        assertThat(get("mx.example.test", DnsType.MX).status()).isEqualTo(Status.NODATA);
        // an empty non-terminal exists: NODATA, not NXDOMAIN
        assertThat(get("b.deep.example.test", DnsType.A).status()).isEqualTo(Status.NODATA);
        assertThat(get("outside.invalid", DnsType.A)).satisfies(a -> {
            assertThat(a.status()).isEqualTo(Status.NXDOMAIN);
            assertThat(a.ttl()).isZero();
        });
    }

    @Test
    void cnamesAreFollowed() throws Exception {
        assertThat(get("www.example.test", DnsType.A).records()).containsExactly("192.0.2.25");
        assertThat(get("www.example.test", DnsType.CNAME).records()).containsExactly("mx.example.test.");
        assertThat(get("dangling.example.test", DnsType.A).status()).isEqualTo(Status.NXDOMAIN);
        assertThat(get("loop1.example.test", DnsType.A).status()).isEqualTo(Status.SERVFAIL);
    }

    @Test
    void wildcardsAnswerForNamesThatDoNotExist() throws Exception {
        assertThat(get("anything.wild.example.test", DnsType.A).records()).containsExactly("192.0.2.99");
        assertThat(get("x.y.wild.example.test", DnsType.A).records()).containsExactly("192.0.2.99");
        assertThat(get("exists.wild.example.test", DnsType.A).status()).isEqualTo(Status.NODATA); // an existing name is not synthesized
    }

    @Test
    void failuresHangsAndDelaysOnDemand() throws Exception {
        ZoneResolver r = ZoneResolver.of("ok.test. A 192.0.2.1\nsub.down.test. A 192.0.2.2\n")
                .fail("t.test", Status.TIMEOUT)
                .fail("ok.test", DnsType.TXT, Status.SERVFAIL)
                .failZone("down.test", Status.SERVFAIL)
                .hangZone("hang.test")
                .delayZone("slow.test", Duration.ofMillis(200));
        assertThat(get(r, "t.test", DnsType.MX).status()).isEqualTo(Status.TIMEOUT);
        assertThat(get(r, "ok.test", DnsType.TXT).status()).isEqualTo(Status.SERVFAIL);
        assertThat(get(r, "ok.test", DnsType.A).status()).isEqualTo(Status.OK);
        assertThat(get(r, "sub.down.test", DnsType.A).status()).isEqualTo(Status.SERVFAIL);
        assertThat(r.lookup("x.hang.test", DnsType.A)).isNotDone();
        long t0 = System.nanoTime();
        assertThat(get(r, "x.slow.test", DnsType.A).status()).isEqualTo(Status.NXDOMAIN);
        assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(190));
        assertThat(r.queries()).contains("t.test/MX", "x.hang.test/A", "x.slow.test/A");
        assertThat(r.metrics().timeouts()).isEqualTo(1);
        assertThat(r.metrics().servfails()).isEqualTo(2);
    }

    @Test
    void recordsCanBeAddedOneByOne() throws Exception {
        ZoneResolver r = new ZoneResolver().add("2.0.0.127.bl.test", DnsType.A, 60, "127.0.0.2", "127.0.0.4")
                .add("2.0.0.127.bl.test", DnsType.TXT, "\"listed\"");
        assertThat(get(r, "2.0.0.127.bl.test", DnsType.A).records()).containsExactly("127.0.0.2", "127.0.0.4");
        assertThat(get(r, "2.0.0.127.bl.test", DnsType.TXT).records()).containsExactly("listed");
        assertThatThrownBy(() -> r.add("x.test", DnsType.A, "not-an-address")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not-an-address");
        assertThatThrownBy(() -> ZoneResolver.of("x.test. IN A")).isInstanceOf(IllegalArgumentException.class);
    }
}
