// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.milter;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.filters.external.ScannerException;
import dev.mailgate.filters.external.ScannerTimeoutException;
import dev.mailgate.milter.client.BlockingMilterClient;
import dev.mailgate.milter.client.MilterAddress;
import dev.mailgate.milter.client.MilterClient;
import dev.mailgate.milter.client.MilterClientException;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Connections to the downstream milter: opened and negotiated on first use (never when the policy
 * loads), one per SMTP session, and kept for the next session after {@code SMFIC_QUIT_NC}
 * (libmilter's "quit, new connection follows") when reuse is on. One small event loop serves
 * all of them.
 */
final class Connections implements AutoCloseable {
    /** Every change a milter may ask for: whatever the downstream does is passed on. */
    static final int ACTIONS = SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT | SMFIF_DELRCPT | SMFIF_CHGHDRS
            | SMFIF_QUARANTINE | SMFIF_CHGFROM | SMFIF_ADDRCPT_PAR;
    /**
     * Steps the downstream may turn off, and the no-reply bits. Not offered: HDR_LEADSPC (our header
     * values have lost their leading space, as libmilter delivers them by default), SKIP (the body
     * is sent in one go at the end of data) and RCPT_REJ (refused recipients are not passed on).
     */
    static final int PROTOCOL = SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL | SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS
            | SMFIP_NOEOH | SMFIP_NOUNKNOWN | SMFIP_NODATA | SMFIP_NR_MASK;

    private final String name;
    private final MilterAddress address;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final int maxIdle;
    private final ArrayDeque<BlockingMilterClient> idle = new ArrayDeque<>();
    private EventLoopGroup group;
    private boolean closed;
    private final java.util.concurrent.atomic.AtomicLong opened = new java.util.concurrent.atomic.AtomicLong();

    Connections(String name, MilterAddress address, Duration connectTimeout, Duration requestTimeout, int maxIdle) {
        this.name = name;
        this.address = address;
        this.connectTimeout = connectTimeout;
        this.requestTimeout = requestTimeout;
        this.maxIdle = maxIdle;
    }

    /** An idle negotiated connection, or a new one. */
    BlockingMilterClient take() throws MilterClientException {
        synchronized (this) {
            if (closed) throw new MilterClientException("filter " + name + " is closed (policy retired)");
            while (!idle.isEmpty()) {
                BlockingMilterClient c = idle.pollLast();
                if (c.async().isOpen()) return c;
            }
        }
        MilterClient.Options o = MilterClient.Options.defaults().withConnectTimeout(connectTimeout)
                .withRequestTimeout(requestTimeout).withGroup(group());
        BlockingMilterClient c = MilterClient.open(address, o).blocking();
        opened.incrementAndGet();
        try {
            c.negotiate(SMFI_PROT_VERSION, ACTIONS, PROTOCOL);
        } catch (MilterClientException e) {
            c.close();
            throw e;
        }
        return c;
    }

    /** The session ended cleanly: keep the connection for the next session, or quit. */
    void release(BlockingMilterClient c) {
        boolean keep;
        synchronized (this) {
            keep = !closed && maxIdle > 0 && idle.size() < maxIdle && c.async().isOpen();
        }
        try {
            if (keep) {
                c.async().quitNoClose().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
                synchronized (this) {
                    idle.addLast(c);
                }
            } else {
                c.async().quit().get(requestTimeout.toMillis(), TimeUnit.MILLISECONDS);
                c.close();
            }
        } catch (Exception e) {
            c.close();
        }
    }

    /** One clear failure for the chain to log: which milter, what went wrong; timeouts as timeouts. */
    IOException failure(MilterClientException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) root = root.getCause();
        String what = "milter " + name + " at " + address + ": " + e.getMessage();
        if (root instanceof TimeoutException || root instanceof java.net.SocketTimeoutException) return new ScannerTimeoutException(what, e);
        if (root instanceof InterruptedException || root instanceof java.io.InterruptedIOException) {
            return new java.io.InterruptedIOException(what); // the chain's deadline; it reports that
        }
        return new ScannerException(what, e);
    }

    private synchronized EventLoopGroup group() {
        if (group == null) {
            group = new MultiThreadIoEventLoopGroup(1, Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
        }
        return group;
    }

    /** Connections opened so far (reuse shows as fewer connections than sessions). */
    long opened() {
        return opened.get();
    }

    @Override
    public void close() {
        ArrayDeque<BlockingMilterClient> all;
        EventLoopGroup g;
        synchronized (this) {
            closed = true;
            all = new ArrayDeque<>(idle);
            idle.clear();
            g = group;
        }
        for (BlockingMilterClient c : all) {
            try {
                c.async().quit().get(1, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // closing anyway
            }
            c.close();
        }
        if (g != null) g.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    @Override
    public String toString() {
        return "milter " + name + " at " + address;
    }
}
