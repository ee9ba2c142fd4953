// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.milter.codec.MilterResponse.ReplyCode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SMFIR_REPLYCODE text rules (reference section 5.1). */
class ReplyCodeTest {

    @ParameterizedTest
    @ValueSource(strings = {
        "550 5.7.1 Go away",
        "451 4.3.0 try later",
        "550 Go away",
        "550",
        "421 4.7.0 closing",
        "550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 last",
        "550-first\r\n550 last",
        "554 5.7.1 100%% sure",
        "550 5.7.1 ",
    })
    void accepted(String text) {
        assertThat(new ReplyCode(text).text()).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "",
        "250 2.0.0 ok",                       // not a refusal
        "650 nope",
        "55 short",
        "5x0 letters",
        "550_underscore",
        "550 5.7.1 trailing\r\n",             // no trailing CRLF
        "550-5.7.1 a\r\n551 5.7.1 b",          // code changes
        "550 5.7.1 a\r\n550 5.7.1 b",          // first line must use '-'
        "550-5.7.1 a\r\n550-5.7.1 b",          // last line must use ' '
        "550-5.7.1 a\n550 5.7.1 b",            // bare LF
        "550 4.7.1 class mismatch",
        "451 5.7.1 class mismatch",
        "550-5.7.1 ok\r\n550 4.7.1 mismatch on line 2",
        "550 a\0b",
    })
    void refused(String text) {
        assertThatThrownBy(() -> new ReplyCode(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void mismatchMessageNamesBothClasses() {
        assertThatThrownBy(() -> new ReplyCode("550 4.7.1 x"))
                .hasMessageContaining("enhanced status class 4").hasMessageContaining("550");
    }

    @Test
    void ofBuildsMultiLineText() {
        ReplyCode r = ReplyCode.of(550, "5.7.1", List.of("first", "second", "last"));
        assertThat(r.text()).isEqualTo("550-5.7.1 first\r\n550-5.7.1 second\r\n550 5.7.1 last");
    }

    @Test
    void ofDoublesEveryPercent() {
        assertThat(ReplyCode.of(554, "5.7.1", List.of("100% sure", "%s %%")).text())
                .isEqualTo("554-5.7.1 100%% sure\r\n554 5.7.1 %%s %%%%");
    }

    @Test
    void ofWithoutEnhancedCode() {
        assertThat(ReplyCode.of(451, null, List.of("later")).text()).isEqualTo("451 later");
        assertThat(ReplyCode.of(451, "", List.of("later")).text()).isEqualTo("451 later");
    }

    @Test
    void ofRefusesMismatchAndBadInput() {
        assertThatThrownBy(() -> ReplyCode.of(550, "4.7.1", List.of("x"))).hasMessageContaining("does not match");
        assertThatThrownBy(() -> ReplyCode.of(250, "2.0.0", List.of("x"))).hasMessageContaining("not 4xx or 5xx");
        assertThatThrownBy(() -> ReplyCode.of(550, "5.7", List.of("x"))).hasMessageContaining("x.y.z");
        assertThatThrownBy(() -> ReplyCode.of(550, "5.7.1", List.of())).hasMessageContaining("1 to 32");
        assertThatThrownBy(() -> ReplyCode.of(550, "5.7.1", List.of("a\r\nb"))).hasMessageContaining("CR, LF");
        assertThatThrownBy(() -> ReplyCode.of(550, "5.7.1", List.of("x".repeat(981)))).hasMessageContaining("980");
    }

    @Test
    void thirtyTwoLinesAreTheLimit() {
        List<String> lines = new ArrayList<>(Collections.nCopies(32, "line"));
        ReplyCode ok = ReplyCode.of(550, "5.7.1", lines);
        assertThat(ok.text().split("\r\n")).hasSize(32);
        lines.add("one too many");
        assertThatThrownBy(() -> ReplyCode.of(550, "5.7.1", lines)).isInstanceOf(IllegalArgumentException.class);
        String text33 = ok.text().replace("550 5.7.1 line", "550-5.7.1 line") + "\r\n550 5.7.1 last";
        assertThatThrownBy(() -> new ReplyCode(text33)).hasMessageContaining("33 lines");
    }

    @Test
    void decoderRefusesMalformedReplyText() {
        byte[] wire = Bytes.packet('y', Bytes.str("550 4.7.1 mismatch"));
        assertThatThrownBy(() -> MilterPackets.decodeResponsePacket(wire))
                .isInstanceOf(MilterCodecException.class)
                .hasMessageStartingWith("SMFIR_REPLYCODE ('y'):")
                .hasMessageContaining("does not match");
    }
}
