// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.server;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.api.Modification;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterResponse;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MTA connection: negotiates, turns milter commands into session events, and writes each
 * answer (modifications plus the final reply) in a single flush. Commands the negotiated NR_*
 * bits exempt from a reply are processed without one. Answers are written in command order even
 * when a stage runs off the event loop.
 */
final class MilterSessionHandler extends SimpleChannelInboundHandler<MilterCommand> {
    private static final Logger LOG = LoggerFactory.getLogger(MilterSessionHandler.class);

    private final Pipeline pipeline;
    private final MilterMacros macros = new MilterMacros();
    /** Answers handed to the event loop but not yet written: later answers must queue behind them. */
    private final AtomicInteger scheduled = new AtomicInteger();
    private Negotiator.Agreement agreement;
    private Session session;

    MilterSessionHandler(Pipeline pipeline) {
        this.pipeline = pipeline;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MilterCommand cmd) {
        switch (cmd) {
            case MilterCommand.OptionNegotiation o -> negotiate(ctx, o);
            case MilterCommand.MacroDefinition d -> macros.define(d.stage(), d.macros());
            case MilterCommand.Connect c -> {
                macros.enter('C');
                if (session != null) closeSession(); // a CONNECT after QUIT_NC starts over
                session = pipeline.open("milter", macros);
                String addr = ConnectFromMacros.bareAddress(c.address());
                boolean ip = c.family() == SMFIA_INET || c.family() == SMFIA_INET6;
                send(ctx, cmd, new SessionEvent.Connect(c.hostname(), ip ? addr : "", ip ? c.port() : 0, "", 0));
            }
            case MilterCommand.Helo h -> {
                macros.enter('H');
                send(ctx, cmd, new SessionEvent.Ehlo(h.name(), true));
            }
            case MilterCommand.MailFrom m -> {
                macros.enter('M');
                send(ctx, cmd, new SessionEvent.MailFrom(m.sender(), m.esmtpParams()));
            }
            case MilterCommand.RcptTo r -> {
                macros.enter('R');
                send(ctx, cmd, new SessionEvent.RcptTo(r.recipient(), r.esmtpParams()));
            }
            case MilterCommand.Data d -> {
                macros.enter('T');
                send(ctx, cmd, new SessionEvent.Data());
            }
            case MilterCommand.Header h -> {
                String value = h.value();
                // with HDR_LEADSPC the value keeps its leading space; filters see the usual form
                if (agreement != null && agreement.has(SMFIP_HDR_LEADSPC) && value.startsWith(" ")) value = value.substring(1);
                send(ctx, cmd, new SessionEvent.Header(h.name(), value));
            }
            case MilterCommand.EndOfHeaders e -> send(ctx, cmd, new SessionEvent.EndOfHeaders());
            case MilterCommand.BodyChunk b -> send(ctx, cmd, new SessionEvent.BodyChunk(b.data()));
            case MilterCommand.EndOfMessage e -> {
                if (e.data().length > 0) dispatch(new SessionEvent.BodyChunk(e.data())); // libmilter's final-chunk form
                send(ctx, cmd, new SessionEvent.EndOfData());
            }
            case MilterCommand.Abort a -> {
                if (session != null) dispatch(new SessionEvent.Reset());
            }
            case MilterCommand.Quit q -> {
                closeSession();
                ctx.close();
            }
            case MilterCommand.QuitNoClose q -> {
                closeSession();
                macros.clear();
            }
            case MilterCommand.Unknown u -> {
                if (agreement == null || agreement.expectsReply(cmd)) write(ctx, List.of(MilterResponse.CONTINUE));
            }
        }
    }

    private void negotiate(ChannelHandlerContext ctx, MilterCommand.OptionNegotiation offer) {
        if (offer.version() < SMFI_PROT_VERSION_MIN) {
            LOG.warn("closing milter connection from {}: MTA speaks milter protocol version {}, at least 2 is needed",
                    ctx.channel().remoteAddress(), offer.version());
            ctx.close();
            return;
        }
        var policy = pipeline.policy();
        agreement = Negotiator.agree(offer, policy);
        var missing = Negotiator.missing(policy, agreement);
        if (!missing.isEmpty()) {
            LOG.warn("MTA at {} offers actions 0x{}; the policy's {} will be dropped", ctx.channel().remoteAddress(),
                    Integer.toHexString(offer.actions()), missing);
        }
        write(ctx, List.of(Negotiator.reply(agreement)));
    }

    private CompletableFuture<StageResult> dispatch(SessionEvent event) {
        if (session == null) {
            // events before CONNECT (an MTA that skips it): give them a session anyway
            session = pipeline.open("milter", macros);
            // with SMFIP_NOCONNECT agreed, the first event (HELO or MAIL) brought the client's
            // macros: the session gets the connection variables CONNECT would have given
            if (agreement != null && agreement.has(SMFIP_NOCONNECT)) session.dispatch(ConnectFromMacros.connect(macros));
        }
        return session.dispatch(event);
    }

    private void send(ChannelHandlerContext ctx, MilterCommand cmd, SessionEvent event) {
        CompletableFuture<StageResult> f = dispatch(event);
        boolean reply = agreement == null || agreement.expectsReply(cmd);
        if (!reply) return;
        boolean eom = cmd instanceof MilterCommand.EndOfMessage;
        boolean body = cmd instanceof MilterCommand.BodyChunk;
        if (f.isDone() && scheduled.get() == 0 && !needsOffLoop(f.join(), eom)) {
            write(ctx, answer(f.join(), eom, body));
            return;
        }
        scheduled.incrementAndGet();
        f.thenCompose(r -> needsOffLoop(r, eom)
                        ? CompletableFuture.supplyAsync(() -> answer(r, eom, body), Thread::startVirtualThread)
                        : CompletableFuture.completedFuture(answer(r, eom, body)))
                .whenComplete((packets, err) -> ctx.executor().execute(() -> {
                    scheduled.decrementAndGet();
                    if (err != null) {
                        LOG.error("session={} cannot build the answer; answering tempfail", session == null ? "-" : session.sessionId(), err);
                        write(ctx, List.of(MilterResponse.TEMPFAIL));
                    } else {
                        write(ctx, packets);
                    }
                }));
    }

    /** A replaced body may live on disk: read it off the event loop. */
    private static boolean needsOffLoop(StageResult r, boolean eom) {
        return eom && r.modifications().stream().anyMatch(m -> m instanceof Modification.ReplaceBody);
    }

    private List<MilterResponse> answer(StageResult r, boolean eom, boolean body) {
        List<MilterResponse> packets = new ArrayList<>();
        if (eom && !r.modifications().isEmpty()) {
            try {
                packets.addAll(ReplyMapper.modifications(r.modifications(), agreement, session.sessionId()));
            } catch (java.io.IOException e) {
                LOG.error("session={} cannot read the replacement body ({}); answering tempfail", session.sessionId(), e.toString());
                return List.of(MilterResponse.TEMPFAIL);
            }
        }
        if (body && r.skipBody() && r.verdict() instanceof dev.mailgate.api.Verdict.Continue && agreement.has(SMFIP_SKIP)) {
            packets.add(MilterResponse.SKIP);
        } else {
            packets.add(ReplyMapper.verdict(r.verdict(), eom));
        }
        return packets;
    }

    private static void write(ChannelHandlerContext ctx, List<MilterResponse> packets) {
        ctx.writeAndFlush(packets.size() == 1 ? packets.get(0) : packets);
    }

    private void closeSession() {
        if (session != null) {
            session.dispatch(new SessionEvent.Disconnect());
            session = null;
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        // the MTA went away, perhaps mid-message: end the transaction so temp files go
        closeSession();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            LOG.info("closing idle milter connection from {}", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // one clear line; other connections are unaffected
        Throwable root = cause.getCause() != null && cause instanceof io.netty.handler.codec.DecoderException ? cause.getCause() : cause;
        if (root instanceof java.io.IOException && !(cause instanceof io.netty.handler.codec.DecoderException)) {
            // the MTA reset the connection: routine, and its own log says why
            LOG.debug("milter connection from {} ended: {}", ctx.channel().remoteAddress(), root.toString());
            ctx.close();
            return;
        }
        LOG.warn("closing milter connection from {}: {}", ctx.channel().remoteAddress(),
                root.getMessage() == null ? root.toString() : root.getMessage());
        ctx.close();
    }
}
