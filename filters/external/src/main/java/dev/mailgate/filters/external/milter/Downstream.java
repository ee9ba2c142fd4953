// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.milter;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.filters.external.MessageStream;
import dev.mailgate.milter.client.BlockingMilterClient;
import dev.mailgate.milter.client.EomResult;
import dev.mailgate.milter.client.MilterClientException;
import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One SMTP session as the downstream milter sees it. Every stage is forwarded when it happens;
 * a stage reached without the earlier ones (the connection was lost and reopened, or the filter
 * was added by a rule only now) first replays what is missing from the session's variables, so
 * the downstream always sees a complete session. Not thread-safe: one session's events come one
 * at a time.
 */
final class Downstream {
    /** What happened at one stage: the downstream's deciding answer (null: none) and the edits at the end. */
    record Answer(MilterResponse decisive, EomResult eom) {}

    private final Connections connections;
    private BlockingMilterClient client;
    private int protocol;
    private boolean sessionDone;
    private boolean connectSent;
    private boolean heloSent;
    // the current message
    private boolean mailSent;
    private boolean dataSent;
    private boolean headersSent;
    private boolean eomSent;
    private boolean messageDone;
    private final Set<String> rcptsSent = new HashSet<>();
    Path replacedBody;

    Downstream(Connections connections) {
        this.connections = connections;
    }

    /** True once the downstream said it wants nothing more of this session (accept at connect/helo). */
    boolean sessionDone() {
        return sessionDone;
    }

    boolean messageDone() {
        return messageDone;
    }

    /**
     * Forwards {@code stage} (after any stage the downstream has not seen yet).
     *
     * @throws IOException the downstream failed; the connection is dropped and a later stage starts over
     */
    Answer forward(FilterContext ctx, Stage stage) throws IOException {
        try {
            if (client == null) {
                client = connections.take();
                protocol = client.async().negotiatedProtocol();
            }
            return catchUp(ctx, stage);
        } catch (MilterClientException e) {
            drop();
            throw connections.failure(e);
        } catch (IOException | RuntimeException e) {
            drop();
            throw e;
        }
    }

    private Answer catchUp(FilterContext ctx, Stage stage) throws IOException {
        MilterResponse r;
        if (!connectSent) {
            connectSent = true;
            if (!has(SMFIP_NOCONNECT) && (r = decide(send(connect(ctx), ctx), true)) != null) return new Answer(r, null);
            if (sessionDone) return new Answer(null, null);
        }
        String helo = ctx.get(StandardVars.EHLO_HOST);
        if (stage.compareTo(Stage.EHLO) >= 0 && !heloSent && !helo.isEmpty()) {
            heloSent = true;
            if (!has(SMFIP_NOHELO) && (r = decide(send(new MilterCommand.Helo(helo), ctx), true)) != null) return new Answer(r, null);
            if (sessionDone) return new Answer(null, null);
        }
        if (stage.compareTo(Stage.MAIL_FROM) < 0 || messageDone) return new Answer(null, null);
        if (!mailSent) {
            mailSent = true;
            List<String> params = ctx.get(StandardVars.MAIL_FROM_PARAMS);
            MilterCommand m = MilterCommand.MailFrom.of("<" + ctx.get(StandardVars.MAIL_FROM_ADDR) + ">", params.toArray(String[]::new));
            if (!has(SMFIP_NOMAIL) && (r = decide(send(m, ctx), false)) != null) return new Answer(r, null);
        }
        if (stage.compareTo(Stage.RCPT_TO) >= 0) {
            // replayed recipients the downstream refuses are simply not counted there; the one at hand may be refused
            for (String rcpt : ctx.get(StandardVars.RECIPIENTS)) {
                if (rcptsSent.add(rcpt) && !has(SMFIP_NORCPT)) send(MilterCommand.RcptTo.of("<" + rcpt + ">"), ctx);
            }
            if (stage == Stage.RCPT_TO) {
                String rcpt = ctx.get(StandardVars.RCPT_TO_ADDR);
                if (rcptsSent.add(rcpt) && !has(SMFIP_NORCPT)) {
                    List<String> params = ctx.get(StandardVars.RCPT_TO_PARAMS);
                    MilterResponse answer = send(MilterCommand.RcptTo.of("<" + rcpt + ">", params.toArray(String[]::new)), ctx);
                    if (Replies.verdict(answer).isFinal()) {
                        rcptsSent.remove(rcpt); // refused there, as it will be here
                        return new Answer(answer, null);
                    }
                    if (answer instanceof MilterResponse.Accept) messageDone = true;
                }
                return new Answer(null, null);
            }
        }
        if (stage.compareTo(Stage.DATA) >= 0 && !dataSent) {
            dataSent = true;
            if (!has(SMFIP_NODATA) && (r = decide(send(MilterCommand.DATA, ctx), false)) != null) return new Answer(r, null);
        }
        if (stage.compareTo(Stage.HEADERS_RECEIVED) >= 0 && !headersSent) {
            headersSent = true;
            if (!has(SMFIP_NOHDRS)) {
                for (var h : ctx.headers()) {
                    if ((r = decide(send(new MilterCommand.Header(h.name(), h.value()), ctx), false)) != null) return new Answer(r, null);
                }
            }
            if (!has(SMFIP_NOEOH) && (r = decide(send(MilterCommand.END_OF_HEADERS, ctx), false)) != null) return new Answer(r, null);
        }
        if (stage == Stage.DATA_RECEIVED && !eomSent) return endOfMessage(ctx);
        return new Answer(null, null);
    }

    private Answer endOfMessage(FilterContext ctx) throws IOException {
        MilterResponse r;
        if (!has(SMFIP_NOBODY)) {
            try (InputStream in = MessageStream.body(ctx).open()) {
                byte[] buf = new byte[MILTER_CHUNK_SIZE];
                for (int n; (n = in.readNBytes(buf, 0, buf.length)) > 0; ) {
                    MilterResponse answer = send(new MilterCommand.BodyChunk(java.util.Arrays.copyOf(buf, n)), ctx);
                    if (answer instanceof MilterResponse.Skip) break;
                    if ((r = decide(answer, false)) != null) return new Answer(r, null);
                }
            }
        }
        eomSent = true;
        Map<String, String> macros = Macros.forCommand(SMFIC_BODYEOB, ctx);
        if (macros != null) client.macro(SMFIC_BODYEOB, macros);
        EomResult eom = client.endOfMessage();
        messageDone = true;
        MilterResponse fin = eom.finalResponse();
        return new Answer(Replies.verdict(fin).isFinal() ? fin : null, eom);
    }

    /** The answer if it decides; an accept ends the downstream's part (message, or session at connect/helo). */
    private MilterResponse decide(MilterResponse answer, boolean sessionLevel) {
        if (answer instanceof MilterResponse.Accept) {
            if (sessionLevel) sessionDone = true;
            else messageDone = true;
            return null;
        }
        if (Replies.verdict(answer).isFinal()) {
            if (sessionLevel) sessionDone = true;
            else messageDone = true;
            return answer;
        }
        return null;
    }

    private MilterResponse send(MilterCommand command, FilterContext ctx) throws MilterClientException {
        return client.send(command, Macros.forCommand(command.code(), ctx));
    }

    private static MilterCommand connect(FilterContext ctx) {
        String ip = ctx.get(StandardVars.REMOTE_SMTP_IP);
        String host = ctx.get(StandardVars.REMOTE_SMTP_HOST);
        if (host.isEmpty()) host = ip.isEmpty() ? "unknown" : "[" + ip + "]";
        if (ip.isEmpty()) return MilterCommand.Connect.unknown(host);
        int port = (int) (long) ctx.get(StandardVars.REMOTE_SMTP_PORT);
        return new MilterCommand.Connect(host, ip.indexOf(':') >= 0 ? SMFIA_INET6 : SMFIA_INET, Math.max(0, Math.min(port, 65535)), ip);
    }

    private boolean has(int bit) {
        return (protocol & bit) != 0;
    }

    /** The message ended (RSET, new MAIL, after the end of data): abort it downstream if it is still open there. */
    void reset() {
        if (client != null && mailSent && !eomSent) {
            try {
                client.abort();
            } catch (MilterClientException e) {
                drop();
            }
        }
        mailSent = dataSent = headersSent = eomSent = messageDone = false;
        rcptsSent.clear();
        deleteReplacedBody();
    }

    /** The session ended: the connection goes back to the pool (QUIT_NC) or is closed. */
    void finish() {
        reset();
        if (client != null) connections.release(client);
        client = null;
    }

    /** Forgets the connection after a failure; a later stage opens a new one and replays. */
    private void drop() {
        if (client != null) client.close();
        client = null;
        connectSent = heloSent = false;
        mailSent = dataSent = headersSent = eomSent = false;
        rcptsSent.clear();
    }

    private void deleteReplacedBody() {
        if (replacedBody != null) {
            try {
                Files.deleteIfExists(replacedBody);
            } catch (IOException ignored) {
                // a temp file left behind is not worth failing a session for
            }
            replacedBody = null;
        }
    }

    /** For tests: the recipients forwarded in this message. */
    List<String> recipientsSent() {
        return new ArrayList<>(rcptsSent);
    }
}
