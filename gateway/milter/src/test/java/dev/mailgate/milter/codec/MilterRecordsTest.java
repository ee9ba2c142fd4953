// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mailgate.milter.codec.MilterCommand.Connect;
import dev.mailgate.milter.codec.MilterCommand.Header;
import dev.mailgate.milter.codec.MilterCommand.MacroDefinition;
import dev.mailgate.milter.codec.MilterCommand.MailFrom;
import dev.mailgate.milter.codec.MilterResponse.AddHeader;
import dev.mailgate.milter.codec.MilterResponse.ChangeFrom;
import dev.mailgate.milter.codec.MilterResponse.OptionNegotiationReply;
import dev.mailgate.milter.codec.MilterResponse.ReplaceBody;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Validation in the packet records: what cannot be put on the wire is refused up front. */
class MilterRecordsTest {

    @Test
    void stringsWithNulAreRefused() {
        assertThatThrownBy(() -> new Header("X", "a\0b")).hasMessageContaining("must not contain NUL");
        assertThatThrownBy(() -> MailFrom.of("<a@b>", "X=\0")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> new AddHeader("X", "\0")).hasMessageContaining("NUL");
        assertThatThrownBy(() -> new MacroDefinition('C', Map.of("j", "a\0"))).hasMessageContaining("NUL");
    }

    @Test
    void connectFamilies() {
        assertThatThrownBy(() -> new Connect("h", 'X', 1, "a")).hasMessageContaining("unknown connect family");
        assertThatThrownBy(() -> new Connect("h", 'U', 25, "")).hasMessageContaining("no port or address");
        assertThatThrownBy(() -> new Connect("h", '4', 70000, "1.2.3.4")).hasMessageContaining("port out of range");
        assertThat(Connect.unknown("h")).isEqualTo(new Connect("h", 'U', 0, ""));
    }

    @Test
    void mailNeedsAnAddress() {
        assertThatThrownBy(() -> new MailFrom(List.of())).hasMessageContaining("at least the address");
        MailFrom m = MailFrom.of("<a@b>", "SIZE=1", "BODY=8BITMIME");
        assertThat(m.sender()).isEqualTo("<a@b>");
        assertThat(m.esmtpParams()).containsExactly("SIZE=1", "BODY=8BITMIME");
    }

    @Test
    void macrosAreAnUnmodifiableOrderedCopy() {
        Map<String, String> src = new HashMap<>(Map.of("j", "x"));
        MacroDefinition d = new MacroDefinition('C', src);
        src.put("i", "y");
        assertThat(d.macros()).containsOnlyKeys("j");
        assertThatThrownBy(() -> d.macros().put("k", "v")).isInstanceOf(UnsupportedOperationException.class);
        assertThatThrownBy(() -> new MacroDefinition('\u0100', Map.of())).hasMessageContaining("single byte");
    }

    @Test
    void optionReplyMacroListsDefaultToEmpty() {
        assertThat(new OptionNegotiationReply(6, 0, 0, null).macroLists()).isEmpty();
        assertThat(new OptionNegotiationReply(6, 0, 0)).isEqualTo(new OptionNegotiationReply(6, 0, 0, Map.of()));
    }

    @Test
    void optionalEsmtpArgsNormaliseToEmpty() {
        assertThat(new ChangeFrom("<a@b>", null)).isEqualTo(new ChangeFrom("<a@b>"));
    }

    @Test
    void replaceBodyIsBoundedAndComparesContent() {
        assertThatThrownBy(() -> new ReplaceBody(new byte[65536])).hasMessageContaining("ReplaceBody.chunks");
        assertThat(new ReplaceBody(new byte[] {1, 2})).isEqualTo(new ReplaceBody(new byte[] {1, 2}))
                .hasSameHashCodeAs(new ReplaceBody(new byte[] {1, 2}));
        assertThat(new ReplaceBody("hi\r\n".getBytes()).toString()).isEqualTo("ReplaceBody[4 bytes \"hi\\x0d\\x0a\"]");
    }

    @Test
    void constantsMatchTheReference() {
        assertThat(MilterConstants.SMFI_CURR_ACTS).isEqualTo(0x1FF);
        assertThat(MilterConstants.SMFI_CURR_PROT).isEqualTo(0x1FFFFF);
        assertThat(MilterConstants.MILTER_CHUNK_SIZE).isEqualTo(65535);
        assertThat(MilterConstants.SMFIM_EOM).isEqualTo(5);
        assertThat(MilterConstants.SMFIM_EOH).isEqualTo(6);
        assertThat(MilterConstants.SMFIP_NR_MASK).isEqualTo(0x0FF080);
        assertThat(MilterConstants.commandName('H')).isEqualTo("SMFIC_HELO ('H')");
        assertThat(MilterConstants.responseName('y')).isEqualTo("SMFIR_REPLYCODE ('y')");
        assertThat(MilterConstants.noReplyBit('L')).isEqualTo(MilterConstants.SMFIP_NR_HDR);
        assertThat(MilterConstants.noReplyBit('E')).isZero();
    }
}
