// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RegistryTest {

    @Test
    void countersOnlyGoUpAndScrapesSeeThem() {
        Registry r = new Registry();
        Counter c = r.counters("mailgate_x_total", "X.", "kind").labels("a");
        long before = value(r.scrape());
        c.increment();
        c.add(4);
        long after = value(r.scrape());
        assertThat(after - before).isEqualTo(5);
        assertThatThrownBy(() -> c.add(-1)).hasMessageContaining("only goes up");
        assertThat(value(r.scrape())).isEqualTo(after);
    }

    private static long value(String scrape) {
        return scrape.lines().filter(l -> l.startsWith("mailgate_x_total{kind=\"a\"}"))
                .mapToLong(l -> Long.parseLong(l.substring(l.lastIndexOf(' ') + 1))).findFirst().orElse(-1);
    }

    @Test
    void aChildIsCreatedOnceAndFoundAgain() {
        Registry r = new Registry();
        var f = r.counters("mailgate_y_total", "Y.", "filter", "outcome");
        assertThat(f.labels("spf", "ok")).isSameAs(f.labels("spf", "ok"));
        assertThat(f.labels("spf", "ok")).isNotSameAs(f.labels("spf", "error"));
        assertThatThrownBy(() -> f.labels("spf")).hasMessageContaining("has labels");
    }

    @Test
    void childrenAreWrittenInAStableOrder() {
        Registry r = new Registry();
        var f = r.counters("mailgate_z_total", "Z.", "name");
        f.labels("b").increment();
        f.labels("a").increment();
        assertThat(r.scrape()).containsSubsequence("name=\"a\"", "name=\"b\"");
    }

    @Test
    void aNameIsRegisteredOnce() {
        Registry r = new Registry();
        r.counter("mailgate_once_total", "h");
        assertThatThrownBy(() -> r.gauge("mailgate_once_total", "h", () -> 1)).hasMessageContaining("already registered");
    }

    @Test
    void aFailingCollectorIsLeftOutAndTheOthersStay() {
        Registry r = new Registry();
        r.gauge("mailgate_before", "h", () -> 1);
        r.register(out -> {
            out.family("mailgate_broken", TextWriter.Type.GAUGE, "h").sample(1);
            throw new IllegalStateException("redis went away");
        });
        r.gauge("mailgate_after", "h", () -> 2);
        String s = r.scrape();
        assertThat(s).contains("mailgate_before 1", "mailgate_after 2").doesNotContain("mailgate_broken");
    }

    @Test
    void gaugesAreReadAtScrapeTime() {
        Registry r = new Registry();
        long[] v = {7};
        r.gauge("mailgate_g", "h", () -> v[0]);
        assertThat(r.scrape()).contains("mailgate_g 7");
        v[0] = 9;
        assertThat(r.scrape()).contains("mailgate_g 9");
    }
}
