// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.server;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.api.Modification;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Verdict;
import dev.mailgate.milter.codec.MilterResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns verdicts and modifications into milter packets. The only place where the pipeline's
 * vocabulary meets reply letters.
 */
final class ReplyMapper {
    private static final Logger LOG = LoggerFactory.getLogger(ReplyMapper.class);

    private ReplyMapper() {}

    /** The answer to a command; at the end of message, "continue" is sent as accept. */
    static MilterResponse verdict(Verdict v, boolean endOfMessage) {
        return switch (v) {
            case Verdict.Continue c -> endOfMessage ? MilterResponse.ACCEPT : MilterResponse.CONTINUE;
            case Verdict.Accept a -> MilterResponse.ACCEPT;
            case Verdict.Discard d -> MilterResponse.DISCARD;
            case Verdict.Reject r -> r.reply() == null ? MilterResponse.REJECT : reply(r.reply(), r.disconnect());
            case Verdict.TempReject t -> t.reply() == null ? MilterResponse.TEMPFAIL : reply(t.reply(), t.disconnect());
        };
    }

    private static MilterResponse reply(SmtpReply reply, boolean disconnect) {
        // 421 makes both Postfix and Sendmail end the SMTP session after the reply
        int code = disconnect && reply.isTemporary() ? 421 : reply.code();
        return MilterResponse.ReplyCode.of(code, reply.enhancedStatus(), reply.lines());
    }

    /**
     * The packets for the modifications the MTA granted, in order; others are dropped with a log
     * line naming the missing permission. With HDR_LEADSPC the MTA writes values verbatim, so the
     * usual single space after the colon is added here.
     */
    static List<MilterResponse> modifications(List<Modification> mods, Negotiator.Agreement a, String sessionId) throws IOException {
        List<MilterResponse> out = new ArrayList<>();
        String lead = a.has(SMFIP_HDR_LEADSPC) ? " " : "";
        for (Modification m : mods) {
            int need = Negotiator.actionFor(m.getClass()) & ~SMFIF_ADDRCPT_PAR;
            if (m instanceof Modification.AddRecipient r && !r.esmtpArgs().isEmpty()) need = SMFIF_ADDRCPT_PAR;
            if ((a.actions() & need) != need) {
                LOG.warn("session={} the MTA did not grant {} (SMFIF 0x{}); dropping {}", sessionId,
                        m.getClass().getSimpleName(), Integer.toHexString(need), m);
                continue;
            }
            switch (m) {
                case Modification.AddHeader h -> out.add(new MilterResponse.AddHeader(h.name(), lead + h.value()));
                case Modification.InsertHeader h -> out.add(new MilterResponse.InsertHeader(h.index(), h.name(), lead + h.value()));
                case Modification.ChangeHeader h -> out.add(new MilterResponse.ChangeHeader(h.occurrence(), h.name(),
                        h.value().isEmpty() ? "" : lead + h.value()));
                case Modification.ChangeSender s -> out.add(new MilterResponse.ChangeFrom(s.address(), s.esmtpArgs()));
                case Modification.AddRecipient r -> out.add(r.esmtpArgs().isEmpty()
                        ? new MilterResponse.AddRecipient(r.address())
                        : new MilterResponse.AddRecipientWithArgs(r.address(), r.esmtpArgs()));
                case Modification.RemoveRecipient r -> out.add(new MilterResponse.DeleteRecipient(r.address()));
                case Modification.Quarantine q -> out.add(new MilterResponse.Quarantine(q.reason()));
                case Modification.ReplaceBody b -> {
                    try (InputStream in = b.body().open()) {
                        out.addAll(MilterResponse.ReplaceBody.chunks(in));
                    }
                }
            }
        }
        return out;
    }
}
