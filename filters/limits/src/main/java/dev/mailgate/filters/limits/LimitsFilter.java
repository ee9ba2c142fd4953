// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.limits;

import static dev.mailgate.api.StandardVars.MAIL_FROM_SIZE;
import static dev.mailgate.api.StandardVars.MAX_DATA_SIZE;
import static dev.mailgate.api.StandardVars.MAX_RCPT_COUNT;
import static dev.mailgate.api.StandardVars.MAX_RECEIVED_HEADERS;
import static dev.mailgate.api.StandardVars.RCPT_COUNT;
import static dev.mailgate.api.StandardVars.RECEIVED_COUNT;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Scope;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/**
 * Enforces maxRcptCount at onRcptTo (452 4.5.3, RFC 5321 §4.5.3.1.10), maxDataSize at onMailFrom
 * (declared SIZE=) and while the body streams (552 5.3.4), and maxReceivedHeaders at
 * onHeadersReceived (554 5.4.6, a mail loop). Pure computation: runs on the event loop.
 */
public final class LimitsFilter implements Filter {
    public static final Var<Long> BODY_SIZE = Var.integer("limits.bodySize", Scope.TRANSACTION, Stage.BODY_CHUNK,
            "body bytes seen so far in this message");

    static final SmtpReply TOO_MANY_RCPTS = new SmtpReply(452, "4.5.3", List.of("Too many recipients"));
    static final SmtpReply TOO_BIG = new SmtpReply(552, "5.3.4", List.of("Message size exceeds fixed limit"));
    static final SmtpReply LOOP = new SmtpReply(554, "5.4.6", List.of("Too many Received: headers - mail loop detected"));

    private final long maxRcptCount;
    private final long maxDataSize;
    private final long maxReceivedHeaders;

    LimitsFilter(long maxRcptCount, long maxDataSize, long maxReceivedHeaders) {
        this.maxRcptCount = maxRcptCount;
        this.maxDataSize = maxDataSize;
        this.maxReceivedHeaders = maxReceivedHeaders;
    }

    /**
     * Only the stages of the limits configured (non-zero): a limit of 0 costs nothing, and with no
     * size limit the MTA need not send the body at all. A rule may change a configured limit per
     * client at onConnect, but cannot switch on one configured as 0.
     */
    @Override
    public Set<Stage> stages() {
        java.util.EnumSet<Stage> s = java.util.EnumSet.of(Stage.CONNECT);
        if (maxDataSize > 0) {
            s.add(Stage.MAIL_FROM);
            s.add(Stage.BODY_CHUNK);
        }
        if (maxRcptCount > 0) s.add(Stage.RCPT_TO);
        if (maxReceivedHeaders > 0) s.add(Stage.HEADERS_RECEIVED);
        return s;
    }

    /** At onConnect the filter only publishes the limits. */
    @Override
    public boolean decidesAt(Stage stage) {
        return stage != Stage.CONNECT && stages().contains(stage);
    }

    @Override
    public List<Var<?>> provides() {
        return List.of(BODY_SIZE);
    }

    @Override
    public boolean blocking() {
        return false;
    }

    @Override
    public Verdict onConnect(FilterContext ctx) {
        ctx.set(MAX_RCPT_COUNT, maxRcptCount);
        ctx.set(MAX_DATA_SIZE, maxDataSize);
        ctx.set(MAX_RECEIVED_HEADERS, maxReceivedHeaders);
        return Verdict.CONTINUE;
    }

    @Override
    public Verdict onMailFrom(FilterContext ctx) {
        long max = ctx.get(MAX_DATA_SIZE);
        if (max > 0 && ctx.get(MAIL_FROM_SIZE) > max) return reject(ctx, "LIMITS_SIZE", TOO_BIG);
        return Verdict.CONTINUE;
    }

    @Override
    public Verdict onRcptTo(FilterContext ctx) {
        long max = ctx.get(MAX_RCPT_COUNT);
        if (max > 0 && ctx.get(RCPT_COUNT) > max) {
            ctx.report("LIMITS_RCPT_COUNT", "more than " + max + " recipients");
            return new Verdict.TempReject(TOO_MANY_RCPTS, false);
        }
        return Verdict.CONTINUE;
    }

    @Override
    public Verdict onHeadersReceived(FilterContext ctx) {
        long max = ctx.get(MAX_RECEIVED_HEADERS);
        if (max > 0 && ctx.get(RECEIVED_COUNT) > max) return reject(ctx, "LIMITS_MAIL_LOOP", LOOP);
        return Verdict.CONTINUE;
    }

    @Override
    public Verdict onBodyChunk(FilterContext ctx, ByteBuffer chunk) {
        long max = ctx.get(MAX_DATA_SIZE);
        if (max <= 0) return Verdict.CONTINUE;
        long seen = ctx.get(BODY_SIZE) + chunk.remaining();
        ctx.set(BODY_SIZE, seen);
        return seen > max ? reject(ctx, "LIMITS_SIZE", TOO_BIG) : Verdict.CONTINUE;
    }

    @Override
    public boolean wantsMoreBody(FilterContext ctx) {
        return ctx.get(MAX_DATA_SIZE) > 0;
    }

    private static Verdict reject(FilterContext ctx, String symbol, SmtpReply reply) {
        ctx.report(symbol, reply.lines().get(0));
        return new Verdict.Reject(reply, false);
    }
}
