// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class HistogramTest {

    @Test
    void bucketsAreCumulativeAndTheBoundIsInclusive() {
        Histogram h = new Histogram(0.001, 0.01, 0.1);
        h.observeNanos(500_000);      // 0.5 ms
        h.observeNanos(1_000_000);    // exactly 1 ms: le="0.001"
        h.observeNanos(5_000_000);    // 5 ms
        h.observeNanos(2_000_000_000L); // 2 s: only +Inf
        Histogram.Snapshot s = h.snapshot();
        assertThat(s.cumulative()).containsExactly(2, 3, 3, 4);
        assertThat(s.count()).isEqualTo(4);
        assertThat(s.sumSeconds()).isEqualTo(2.0065, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void negativeDurationsCountAsZero() {
        Histogram h = new Histogram(0.001);
        h.observeNanos(-5);
        assertThat(h.snapshot().cumulative()).containsExactly(1, 1);
        assertThat(h.snapshot().sumSeconds()).isZero();
    }

    @Test
    void boundsMustIncrease() {
        assertThatThrownBy(() -> new Histogram(0.1, 0.01)).hasMessageContaining("increase");
        assertThatThrownBy(() -> new Histogram(0.0)).hasMessageContaining("positive");
        assertThatThrownBy(() -> new Histogram()).hasMessageContaining("at least one");
    }

    @Test
    void renderedWithLeLabelsSumAndCount() {
        Registry r = new Registry();
        Histogram h = r.histograms("mailgate_filter_duration_seconds", "Filter time.", new double[] {0.001, 0.5}, "filter")
                .labels("dnsbl");
        h.observeNanos(250_000_000);
        assertThat(r.scrape()).isEqualTo("""
                # HELP mailgate_filter_duration_seconds Filter time.
                # TYPE mailgate_filter_duration_seconds histogram
                mailgate_filter_duration_seconds_bucket{filter="dnsbl",le="0.001"} 0
                mailgate_filter_duration_seconds_bucket{filter="dnsbl",le="0.5"} 1
                mailgate_filter_duration_seconds_bucket{filter="dnsbl",le="+Inf"} 1
                mailgate_filter_duration_seconds_sum{filter="dnsbl"} 0.25
                mailgate_filter_duration_seconds_count{filter="dnsbl"} 1
                """);
    }

    @Test
    void noObservationIsLostUnderContention() throws Exception {
        Histogram h = new Histogram(0.001, 0.01);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 100_000; i++) h.observeNanos(i % 3 == 0 ? 2_000_000 : 100);
            });
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
        Histogram.Snapshot s = h.snapshot();
        assertThat(s.count()).isEqualTo(400_000);
        assertThat(s.cumulative()[0]).isEqualTo(4 * (100_000 - 33_334));
    }
}
