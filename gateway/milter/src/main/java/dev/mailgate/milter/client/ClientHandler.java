// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import dev.mailgate.milter.codec.MilterCodecException;
import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterConstants;
import dev.mailgate.milter.codec.MilterResponse;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Matches the milter's packets to the commands sent, strictly in order. All methods run on the
 * channel's event loop, so the queue needs no locking. Any protocol violation, timeout or
 * transport error fails every outstanding request and closes the channel: after that the
 * conversation is out of step and cannot be trusted.
 */
final class ClientHandler extends SimpleChannelInboundHandler<MilterResponse> {

    /** One command waiting for its answer. */
    static final class Pending {
        final MilterCommand command;
        final CompletableFuture<Object> future = new CompletableFuture<>();
        final List<MilterResponse> extras = new ArrayList<>();
        ScheduledFuture<?> timer;

        Pending(MilterCommand command) {
            this.command = command;
        }

        boolean isEom() {
            return command instanceof MilterCommand.EndOfMessage;
        }
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final long timeoutNanos;
    private ChannelHandlerContext ctx;
    private volatile int negotiatedProtocol;
    private Throwable closedBy;

    ClientHandler(long timeoutNanos) {
        this.timeoutNanos = timeoutNanos;
    }

    int negotiatedProtocol() {
        return negotiatedProtocol;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** Sends {@code commands} (e.g. macros + command) and, if {@code p} is not null, waits for its answer. */
    void submit(Object commands, Pending p, CompletableFuture<Void> written) {
        if (closedBy != null || !ctx.channel().isActive()) {
            Throwable cause = closedBy != null ? closedBy : new MilterClientException("milter connection is closed");
            if (p != null) {
                p.future.completeExceptionally(cause);
            }
            written.completeExceptionally(cause);
            return;
        }
        if (p != null) {
            pending.add(p);
            arm(p);
        }
        ctx.writeAndFlush(commands).addListener(f -> {
            if (f.isSuccess()) {
                written.complete(null);
            } else {
                written.completeExceptionally(f.cause());
                fail(new MilterClientException("writing to the milter failed", f.cause()));
            }
        });
    }

    private void arm(Pending p) {
        if (timeoutNanos > 0) {
            p.timer = ctx.executor().schedule(() -> timeout(p), timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void disarm(Pending p) {
        if (p.timer != null) {
            p.timer.cancel(false);
            p.timer = null;
        }
    }

    private void timeout(Pending p) {
        if (!p.future.isDone()) {
            fail(new TimeoutException("milter did not answer " + MilterConstants.commandName(p.command.code())
                    + " within " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms"));
        }
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, MilterResponse resp) {
        Pending p = pending.peek();
        if (p == null) {
            fail(violation("unsolicited " + MilterConstants.responseName(resp.code()) + " with no command outstanding"));
            return;
        }
        boolean negotiation = p.command instanceof MilterCommand.OptionNegotiation;
        if (negotiation != resp instanceof MilterResponse.OptionNegotiationReply) {
            fail(violation(MilterConstants.responseName(resp.code()) + " in answer to "
                    + MilterConstants.commandName(p.command.code())));
            return;
        }
        if (resp instanceof MilterResponse.Progress) {
            // a keep-alive restarts the clock, as Postfix does at end-of-message
            disarm(p);
            arm(p);
            p.extras.add(resp);
            return;
        }
        if (resp.isModification()) {
            if (!p.isEom()) {
                fail(violation("modification " + MilterConstants.responseName(resp.code()) + " in answer to "
                        + MilterConstants.commandName(p.command.code()) + "; only allowed at end-of-message"));
                return;
            }
            p.extras.add(resp);
            return;
        }
        pending.poll();
        disarm(p);
        if (resp instanceof MilterResponse.OptionNegotiationReply o) {
            negotiatedProtocol = o.protocol();
        }
        p.future.complete(p.isEom() ? new EomResult(p.extras, resp) : resp);
    }

    private static MilterClientException violation(String message) {
        return new MilterClientException("milter protocol violation: " + message);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof MilterCodecException) {
            fail(new MilterClientException("malformed packet from milter: " + cause.getMessage(), cause));
        } else {
            fail(new MilterClientException("milter connection failed: " + cause.getMessage(), cause));
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        fail(new MilterClientException("milter connection closed"));
        super.channelInactive(ctx);
    }

    /** Fails everything outstanding with {@code cause} and closes the channel. */
    void fail(Throwable cause) {
        if (closedBy == null) {
            closedBy = cause;
        }
        Pending p;
        while ((p = pending.poll()) != null) {
            disarm(p);
            p.future.completeExceptionally(cause);
        }
        ctx.close();
    }
}
