// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.server;

import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.SmtpProxySettings;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import dev.mailgate.smtp.codec.SmtpCodecException;
import dev.mailgate.smtp.codec.SmtpRequest;
import dev.mailgate.smtp.codec.SmtpServerDecoder;
import dev.mailgate.smtp.relay.Downstream;
import dev.mailgate.smtp.relay.Reply;
import dev.mailgate.smtp.tls.DownstreamTlsContexts;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the SMTP proxy: opens the pipeline session and the downstream
 * connection, and hands each command to its family ({@link HeloCommands}, {@link EnvelopeCommands},
 * {@link DataCommands}). Commands are processed one at a time, in order: the decoder is paused
 * after each command and resumed once it is answered, and reads are manual, so a pipelining
 * client cannot make us buffer more than one read ahead. Every continuation hops back onto this
 * channel's event loop (the pipeline may answer from a virtual thread); nothing here blocks.
 */
final class ProxySession extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(ProxySession.class);

    final Pipeline pipeline;
    final SmtpProxySettings settings;
    final SmtpServerDecoder decoder;
    private final ConnectionLimiter limiter;
    private final Class<? extends Channel> clientType;
    final Envelope envelope = new Envelope();
    private final HeloCommands helo = new HeloCommands(this);
    private final EnvelopeCommands mail = new EnvelopeCommands(this);
    private final DataCommands data = new DataCommands(this);
    final AuthCommands auth = new AuthCommands(this);
    private final BdatCommands bdat = new BdatCommands(this, data);
    private final StartTlsCommand tls;
    private final DownstreamTlsContexts downstreamTls;
    /** What the pipeline sees as the MTA's macros ({@code {tls_version}} after STARTTLS). */
    final ProxyMacros macros = new ProxyMacros();
    ChannelHandlerContext ctx;
    Session session;
    Downstream downstream;
    /** What onRelay chose; null until then. */
    NextHop nextHop;
    InetSocketAddress client;
    InetSocketAddress local;
    /** The HELO/EHLO name once the client greeted, else null. */
    String heloName;
    private boolean busy;
    /** {@code proxyProtocol: true} and the PROXY header has not arrived yet. */
    private boolean awaitingProxyHeader;
    private boolean closing;
    private String limitKey;

    /**
     * @param tlsContext    the listener's STARTTLS context, or null when STARTTLS is not offered
     * @param downstreamTls the client contexts for STARTTLS to the next hop
     */
    ProxySession(Pipeline pipeline, SmtpProxySettings settings, SmtpServerDecoder decoder, ConnectionLimiter limiter,
                 Class<? extends Channel> clientType, SslContext tlsContext, DownstreamTlsContexts downstreamTls) {
        this.tls = new StartTlsCommand(this, tlsContext);
        this.downstreamTls = downstreamTls;
        this.pipeline = pipeline;
        this.settings = settings;
        this.decoder = decoder;
        this.limiter = limiter;
        this.clientType = clientType;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        client = (InetSocketAddress) ctx.channel().remoteAddress();
        local = (InetSocketAddress) ctx.channel().localAddress();
        if (settings.proxyProtocol()) {
            // nothing happens before the PROXY header: no greeting, no session, no downstream
            awaitingProxyHeader = true;
            decoder.pause();
            ctx.read();
            return;
        }
        start();
    }

    /** The PROXY header arrived: the client and local addresses are the ones it names. */
    private void proxyHeader(HAProxyMessage m) {
        try {
            awaitingProxyHeader = false;
            // LOCAL (a health check of the balancer itself) and UNKNOWN / unix: the socket's own addresses
            if (m.command() == HAProxyCommand.PROXY && m.sourceAddress() != null && m.destinationAddress() != null
                    && (m.proxiedProtocol().addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_IPv4
                        || m.proxiedProtocol().addressFamily() == HAProxyProxiedProtocol.AddressFamily.AF_IPv6)) {
                // literals checked by the decoder: no name lookup happens here
                client = new InetSocketAddress(InetAddress.getByName(m.sourceAddress()), m.sourcePort());
                local = new InetSocketAddress(InetAddress.getByName(m.destinationAddress()), m.destinationPort());
            }
            LOG.debug("PROXY {} from {}: client {} local {}", m.protocolVersion(), ctx.channel().remoteAddress(), client, local);
        } catch (java.net.UnknownHostException e) {
            LOG.info("connection from {}: unusable PROXY protocol header ({}), closing", ctx.channel().remoteAddress(), e.getMessage());
            pipeline.metrics().connectionRefused("smtp", "proxy_header");
            abort();
            return;
        } finally {
            m.release();
        }
        start();
    }

    /** Opens the session (onConnect), chooses the next hop (onRelay), connects to it, then greets the client. */
    private void start() {
        String ip = client.getAddress().getHostAddress();
        if (!limiter.acquire(ip)) {
            pipeline.metrics().connectionRefused("smtp", "per_ip_limit");
            close("421 4.7.0 " + settings.hostname() + " Error: too many connections from " + ip + "\r\n");
            return;
        }
        limitKey = ip;
        busy = true;
        session = pipeline.open("smtp", macros);
        // no PTR lookup here: "[ip]" is what Postfix reports for a client without a name
        var connect = new SessionEvent.Connect("[" + ip + "]", ip, client.getPort(), local.getAddress().getHostAddress(), local.getPort());
        dispatch(connect).thenCompose(r -> {
            if (Replies.isRefusal(r.verdict())) {
                close(Replies.connectionRefusal(r.verdict()));
                return CompletableFuture.completedFuture(After.CLOSE);
            }
            return RelayChoice.choose(this).thenCompose(this::openDownstream);
        }).whenComplete(this::done);
    }

    private CompletableFuture<After> openDownstream(RelayChoice.Outcome choice) {
        if (choice.refusal() != null) {
            close(choice.refusal());
            return CompletableFuture.completedFuture(After.CLOSE);
        }
        nextHop = choice.hop();
        return onLoop(RelayConnect.open(ctx.channel().eventLoop(), clientType, nextHop, settings.downstreamTimeout(), downstreamTls))
                .thenApply(d -> {
                    downstream = d;
                    if (closing) {
                        // the client left while we were connecting: the downstream must not wait for its own timeout
                        d.quit();
                        return After.CLOSE;
                    }
                    reply("220 " + settings.greeting() + "\r\n");
                    return After.NEXT_COMMAND;
                });
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        switch (msg) {
            case HAProxyMessage m -> {
                if (awaitingProxyHeader) proxyHeader(m);
                else m.release();
            }
            case SmtpRequest.Command c -> {
                busy = true;
                command(c).whenComplete(this::done);
            }
            case SmtpRequest.Content c -> {
                try {
                    if (bdat.reading()) bdat.content(c.content());
                    else data.content(c.content());
                } finally {
                    c.release();
                }
            }
            case SmtpRequest.EndOfData e -> {
                busy = true;
                ctx.pipeline().replace("idle", "idle", idle(settings.commandTimeout()));
                data.end().whenComplete(this::done);
            }
            case SmtpRequest.EndOfChunk e -> {
                busy = true;
                ctx.pipeline().replace("idle", "idle", idle(settings.commandTimeout()));
                bdat.endOfChunk().whenComplete(this::done);
            }
            default -> ReferenceCountUtil.release(msg);
        }
    }

    private CompletableFuture<After> command(SmtpRequest.Command c) {
        if (auth.inExchange()) return auth.response(c);
        return switch (c.verb()) {
            case "EHLO" -> helo.hello(c, true);
            case "HELO" -> helo.hello(c, false);
            case "MAIL" -> mail.mail(c);
            case "RCPT" -> mail.rcpt(c);
            case "RSET" -> mail.rset(c);
            // between commands a message is held only while BDAT chunks are collected
            case "DATA" -> data.inProgress() ? bdat.refuseData() : data.data(c);
            case "BDAT" -> bdat.bdat(c);
            case "NOOP" -> answer("250 2.0.0 Ok\r\n");
            case "QUIT" -> {
                close("221 2.0.0 Bye\r\n");
                yield CompletableFuture.completedFuture(After.CLOSE);
            }
            case "VRFY", "EXPN" -> answer("502 5.5.1 Error: " + c.verb() + " is disabled\r\n");
            case "HELP" -> answer("214 2.0.0 See RFC 5321\r\n");
            case "STARTTLS" -> tls.starttls(c);
            // relayed only with auth: passthrough, by AuthCommands, never as the client wrote it
            case "AUTH" -> auth.auth(c);
            // never relayed: a client must not be able to speak XCLIENT to the downstream through us
            case "XCLIENT", "XFORWARD", "ETRN", "TURN" ->
                    answer("502 5.5.1 Error: command not implemented\r\n");
            default -> answer("500 5.5.2 Error: command not recognized\r\n");
        };
    }

    /** After a command: decode the next one, or content, or nothing. */
    private void done(After after, Throwable error) {
        busy = false;
        if (error != null) {
            downstreamFailed(error);
            return;
        }
        if (closing || after == After.CLOSE) return;
        if (after == After.CONTENT) {
            ctx.pipeline().replace("idle", "idle", idle(settings.dataTimeout()));
            decoder.startData();
        } else if (after == After.CHUNK) {
            ctx.pipeline().replace("idle", "idle", idle(settings.dataTimeout()));
            decoder.startChunk(bdat.chunkSize());
        } else {
            decoder.resume();
        }
        if (!busy && !data.backlogged()) ctx.read();
    }

    /** The held message's backlog drained: read from the client again, unless something else holds reads back. */
    void readMore() {
        if (!busy && !closing && !awaitingProxyHeader && !decoder.isPaused() && !data.backlogged()) ctx.read();
    }

    boolean tlsOffered() {
        return tls.offered();
    }

    /** True once the client's connection is encrypted (STARTTLS done). */
    boolean tlsActive() {
        return tls.active();
    }

    void tlsBeforeEhlo() {
        tls.beforeEhlo();
    }

    /** Back to the state before HELO/EHLO (after STARTTLS). */
    void resetHelo() {
        heloName = null;
        helo.reset();
    }

    /** Closes both connections without a last reply (when none can be sent). */
    void abort() {
        closing = true;
        ctx.close();
        if (downstream != null) downstream.quit();
    }

    static IdleStateHandler idle(java.time.Duration timeout) {
        return new IdleStateHandler(timeout.toMillis(), 0, 0, TimeUnit.MILLISECONDS);
    }

    /** The next hop for logs: onRelay's choice, or the listener's downstream before it. */
    String downstreamName() {
        return nextHop != null ? nextHop.toString() : settings.downstream().toString();
    }

    /** The downstream vanished or timed out: tell the client to come back, accept nothing. */
    void downstreamFailed(Throwable error) {
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null ? error.getCause() : error;
        LOG.warn("session={} client={} downstream {} failed: {}", session == null ? "-" : session.sessionId(), client,
                downstreamName(), cause.toString());
        boolean inData = data.inProgress();
        close((inData ? "451 4.4.2 " : "421 4.4.2 ") + settings.hostname() + " Error: downstream MTA not available, try again later\r\n");
    }

    /**
     * Relays a downstream reply to the client. A 5xx / 4xx first runs onDeliveryFailure /
     * onTemporaryDeliveryFailure, whose reject or tempreject (or smtpExplanation) replaces the
     * text; nothing there can make a refusal a 250.
     */
    CompletableFuture<After> relayReply(String command, Reply reply) {
        if (reply.code() < 400 || reply.code() > 599 || session == null) return answer(reply.toWire());
        String text = reply.toWire().strip().replace("\r\n", "\n");
        return dispatch(new SessionEvent.DeliveryFailure(command, reply.code(), text)).thenApply(r -> {
            String wire = reply.toWire();
            if (Replies.isRefusal(r.verdict())) {
                wire = Replies.text(r.verdict());
                LOG.info("session={} downstream refused {} ({}); the client gets '{}' ({})", session.sessionId(), command,
                        reply, wire.strip().replace("\r\n", " | "), r.decidedBy());
            }
            reply(wire);
            return After.NEXT_COMMAND;
        });
    }

    /** Processes an event and continues on the event loop. */
    CompletableFuture<StageResult> dispatch(SessionEvent event) {
        return onLoop(session.dispatch(event));
    }

    /** A future completing on this channel's event loop, whatever thread completes {@code f}. */
    <T> CompletableFuture<T> onLoop(CompletableFuture<T> f) {
        if (f.isDone() && ctx.executor().inEventLoop()) return f;
        CompletableFuture<T> r = new CompletableFuture<>();
        f.whenComplete((v, e) -> ctx.executor().execute(() -> {
            if (e != null) r.completeExceptionally(e);
            else r.complete(v);
        }));
        return r;
    }

    void reply(String wire) {
        ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), wire));
    }

    CompletableFuture<After> answer(String wire) {
        reply(wire);
        return CompletableFuture.completedFuture(After.NEXT_COMMAND);
    }

    /** Writes a last reply and closes both connections. */
    void close(String wire) {
        if (closing) return;
        closing = true;
        ctx.writeAndFlush(ByteBufUtil.writeUtf8(ctx.alloc(), wire)).addListener(ChannelFutureListener.CLOSE);
        if (downstream != null) downstream.quit();
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (awaitingProxyHeader && !closing) {
            ctx.read(); // the header may come in pieces
            return;
        }
        // while the disk or the pipeline is behind, readMore() asks for the next read once they caught up
        if (!busy && !closing && !decoder.isPaused() && !data.backlogged()) ctx.read();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        closing = true;
        data.discard();
        if (downstream != null) downstream.quit();
        if (session != null) {
            session.dispatch(new SessionEvent.Disconnect());
            session = null;
        }
        if (limitKey != null) limiter.release(limitKey);
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent e) {
            tls.handshakeDone(e);
            return;
        }
        if (evt instanceof IdleStateEvent && awaitingProxyHeader) {
            LOG.info("connection from {}: no PROXY protocol header within {}, closing", ctx.channel().remoteAddress(), settings.commandTimeout());
            pipeline.metrics().connectionRefused("smtp", "proxy_header");
            abort();
            return;
        }
        if (evt instanceof IdleStateEvent) {
            if (!busy) close("421 4.4.2 " + settings.hostname() + " Error: timeout exceeded\r\n");
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException e) {
            // the decoder has already closed the connection; a client must not learn more than that
            LOG.info("connection from {}: missing or invalid PROXY protocol header, closing: {}", ctx.channel().remoteAddress(), e.getMessage());
            pipeline.metrics().connectionRefused("smtp", "proxy_header");
            abort();
            return;
        }
        if (cause instanceof SmtpCodecException e) {
            LOG.info("client={} framing error, closing: {}", client, e.reply());
            close(e.reply() + "\r\n");
            return;
        }
        if (cause instanceof java.io.IOException) {
            LOG.debug("client={} connection ended: {}", client, cause.toString());
        } else if (cause instanceof io.netty.handler.codec.DecoderException && cause.getCause() instanceof javax.net.ssl.SSLException
                || cause instanceof javax.net.ssl.SSLException) {
            // a client that cannot (or will not) speak TLS after STARTTLS: its problem, not ours
            LOG.debug("client={} TLS failed: {}", client, cause.toString());
        } else {
            LOG.warn("client={} closing after an internal error", client, cause);
        }
        abort();
    }
}
