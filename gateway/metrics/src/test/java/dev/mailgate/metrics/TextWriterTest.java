// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TextWriterTest {

    @Test
    void helpTypeAndSamplesInTheTextFormat() {
        String text = new TextWriter()
                .family("mailgate_messages_total", TextWriter.Type.COUNTER, "Messages by verdict.")
                .sample(3, "frontend", "milter", "verdict", "accept")
                .sample(0, "frontend", "smtp", "verdict", "reject")
                .family("mailgate_up", TextWriter.Type.GAUGE, "Up.")
                .sample(1)
                .toString();
        assertThat(text).isEqualTo("""
                # HELP mailgate_messages_total Messages by verdict.
                # TYPE mailgate_messages_total counter
                mailgate_messages_total{frontend="milter",verdict="accept"} 3
                mailgate_messages_total{frontend="smtp",verdict="reject"} 0
                # HELP mailgate_up Up.
                # TYPE mailgate_up gauge
                mailgate_up 1
                """);
    }

    @Test
    void labelValuesEscapeBackslashQuoteAndNewline() {
        String text = new TextWriter().family("m", TextWriter.Type.GAUGE, "h")
                .sample(1, "source", "C:\\policies\\\"a\"\nb.yaml").toString();
        assertThat(text).endsWith("m{source=\"C:\\\\policies\\\\\\\"a\\\"\\nb.yaml\"} 1\n");
    }

    @Test
    void helpEscapesBackslashAndNewlineButNotQuotes() {
        String text = new TextWriter().family("m", TextWriter.Type.GAUGE, "a \\ b\n\"c\"").toString();
        assertThat(text).startsWith("# HELP m a \\\\ b\\n\"c\"\n");
    }

    @Test
    void numbersAreWhatPrometheusParses() {
        assertThat(TextWriter.number(42)).isEqualTo("42");
        assertThat(TextWriter.number(-3)).isEqualTo("-3");
        assertThat(TextWriter.number(0.25)).isEqualTo("0.25");
        assertThat(TextWriter.number(Double.POSITIVE_INFINITY)).isEqualTo("+Inf");
        assertThat(TextWriter.number(Double.NEGATIVE_INFINITY)).isEqualTo("-Inf");
        assertThat(TextWriter.number(Double.NaN)).isEqualTo("NaN");
        assertThat(TextWriter.number(1795454039.808)).isEqualTo("1795454039.808");
        assertThat(TextWriter.number(3.41989e-4)).isEqualTo("0.000341989");
        assertThat(Double.parseDouble(TextWriter.number(1.5e-7))).isEqualTo(1.5e-7);
        assertThat(Double.parseDouble(TextWriter.number(2.5e20))).isEqualTo(2.5e20);
        assertThat(TextWriter.bound(0.0001)).isEqualTo("0.0001");
        assertThat(TextWriter.bound(5.0)).isEqualTo("5");
    }

    @Test
    void refusesWhatPrometheusWouldRefuse() {
        assertThatThrownBy(() -> new TextWriter().family("mailgate_calls", TextWriter.Type.COUNTER, "h"))
                .hasMessageContaining("_total");
        assertThatThrownBy(() -> new TextWriter().family("1bad", TextWriter.Type.GAUGE, "h")).hasMessageContaining("metric name");
        assertThatThrownBy(() -> new TextWriter().family("m", TextWriter.Type.GAUGE, "h").sample(1, "bad-label", "x"))
                .hasMessageContaining("label name");
        assertThatThrownBy(() -> new TextWriter().family("m", TextWriter.Type.GAUGE, "h").sample(1, "__reserved", "x"))
                .hasMessageContaining("label name");
        TextWriter w = new TextWriter().family("m", TextWriter.Type.GAUGE, "h");
        assertThatThrownBy(() -> w.family("m", TextWriter.Type.GAUGE, "h")).hasMessageContaining("twice");
        assertThatThrownBy(() -> w.sample("other", List.of(), List.of(), 1)).hasMessageContaining("not part of family");
        assertThatThrownBy(() -> w.sample("m_bucket", List.of(), List.of(), 1)).hasMessageContaining("not part of family");
    }

    @Test
    void rollbackForgetsAHalfWrittenFamily() {
        TextWriter w = new TextWriter().family("a", TextWriter.Type.GAUGE, "h").sample(1);
        TextWriter.Mark m = w.mark();
        w.family("b", TextWriter.Type.GAUGE, "h").sample(2);
        w.rollback(m);
        w.family("b", TextWriter.Type.GAUGE, "again").sample(3);
        assertThat(w.toString()).doesNotContain("b 2").contains("b 3").containsOnlyOnce("# TYPE b gauge");
    }
}
