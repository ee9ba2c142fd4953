// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.milter.client.MilterClient;
import dev.mailgate.milter.codec.MilterCommand;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One message as Postfix 3.7 sends it to a milter: its default macro set before each event
 * (section 9.1 of the team's protocol reference), one header packet per header, the body in
 * chunks, then ABORT as Postfix sends after every message. Per-stage latencies are recorded.
 */
final class MessageScript {
    enum StageName { CONNECT, HELO, MAIL, RCPT, DATA, HEADERS, EOH, BODY, EOM }

    private final LoadOptions o;
    private final List<MilterCommand.BodyChunk> chunks;
    private final Map<StageName, Latencies> perStage = new EnumMap<>(StageName.class);

    MessageScript(LoadOptions o) {
        this.o = o;
        byte[] line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n".getBytes();
        byte[] body = new byte[o.size()];
        for (int i = 0; i < body.length; i++) body[i] = line[i % line.length];
        List<MilterCommand.BodyChunk> l = new java.util.ArrayList<>();
        for (int off = 0; off < body.length; off += o.chunk()) {
            l.add(new MilterCommand.BodyChunk(Arrays.copyOfRange(body, off, Math.min(body.length, off + o.chunk()))));
        }
        this.chunks = List.copyOf(l);
        for (StageName s : StageName.values()) perStage.put(s, new Latencies());
    }

    Map<StageName, Latencies> perStage() {
        return perStage;
    }

    static int offeredProtocol(LoadOptions o) {
        return o.noReply() ? SMFI_CURR_PROT : SMFI_CURR_PROT & ~SMFIP_NR_MASK;
    }

    private static final Map<String, String> CONNECT_MACROS = macros("j", "mx.test.invalid", "{daemon_name}", "mx.test.invalid",
            "{daemon_addr}", "127.0.0.1", "v", "Postfix 3.7.11", "_", "client.example [192.0.2.1]");

    /** True if the milter asked not to be sent this step (SMFIP_NO*): Postfix then skips it, and so do we. */
    private static boolean skipped(MilterClient c, int noStepBit) {
        return (c.negotiatedProtocol() & noStepBit) != 0;
    }

    /** The connection part: CONNECT and HELO (once per connection), unless the milter asked for neither. */
    void connect(MilterClient c, int n) throws Exception {
        if (!skipped(c, SMFIP_NOCONNECT)) {
            timed(StageName.CONNECT, c, new MilterCommand.Connect("client" + n + ".example", SMFIA_INET, 40000 + (n % 20000), "192.0.2." + (1 + n % 250)),
                    CONNECT_MACROS);
        }
        if (!skipped(c, SMFIP_NOHELO)) timed(StageName.HELO, c, new MilterCommand.Helo("client.example"), Map.of());
    }

    /** MAIL's macros; with CONNECT skipped, the client's too (the milter asked for them there with SMFIF_SETSYMLIST). */
    private static Map<String, String> mailMacros(MilterClient c, int n) {
        Map<String, String> m = macros("{mail_addr}", "sender" + n + "@example.org", "{mail_host}", "[127.0.0.1]:10025", "{mail_mailer}", "smtp");
        if (skipped(c, SMFIP_NOCONNECT)) {
            m.putAll(CONNECT_MACROS);
            m.put("{client_addr}", "192.0.2." + (1 + n % 250));
            m.put("{client_name}", "client" + n + ".example");
            m.put("{client_port}", Integer.toString(40000 + (n % 20000)));
        }
        return m;
    }

    /** One transaction, ending with ABORT; the steps the milter negotiated away are not sent. */
    void message(MilterClient c, int n) throws Exception {
        String qid = "Q" + Integer.toHexString(n).toUpperCase();
        Map<String, String> mailMacros = mailMacros(c, n);
        if (!skipped(c, SMFIP_NOMAIL)) timed(StageName.MAIL, c, MilterCommand.MailFrom.of("<sender" + n + "@example.org>", "SIZE=" + o.size()), mailMacros);
        for (int r = 0; r < o.rcpts() && !skipped(c, SMFIP_NORCPT); r++) {
            timed(StageName.RCPT, c, MilterCommand.RcptTo.of("<rcpt" + r + "@example.net>"),
                    macros("{rcpt_addr}", "rcpt" + r + "@example.net", "{rcpt_host}", "[127.0.0.1]:10026", "{rcpt_mailer}", "smtp"));
        }
        Map<String, String> i = macros("i", qid);
        if (!skipped(c, SMFIP_NODATA)) timed(StageName.DATA, c, new MilterCommand.Data(), i);
        long t0 = System.nanoTime();
        for (int h = 0; h < o.headers() && !skipped(c, SMFIP_NOHDRS); h++) {
            MilterCommand.Header header = header(n, h);
            c.send(header, i).get(30, TimeUnit.SECONDS);
        }
        perStage.get(StageName.HEADERS).add(System.nanoTime() - t0);
        if (!skipped(c, SMFIP_NOEOH)) timed(StageName.EOH, c, new MilterCommand.EndOfHeaders(), i);
        t0 = System.nanoTime();
        for (int k = 0; k < chunks.size() && !skipped(c, SMFIP_NOBODY); k++) {
            Object r = c.send(chunks.get(k), i).get(30, TimeUnit.SECONDS);
            if (r instanceof dev.mailgate.milter.codec.MilterResponse.Skip) break;
        }
        perStage.get(StageName.BODY).add(System.nanoTime() - t0);
        t0 = System.nanoTime();
        c.endOfMessage(i).get(30, TimeUnit.SECONDS);
        perStage.get(StageName.EOM).add(System.nanoTime() - t0);
        c.abort().get(30, TimeUnit.SECONDS);
    }

    /**
     * The same message as {@link #connect} and {@link #message}, connection part included, as one
     * chain of callbacks: each step is sent from the event loop that completed the one before, so a
     * message costs the driver no thread hand-offs (the closed-loop throughput runs use this).
     */
    CompletableFuture<Void> connectAndMessageAsync(MilterClient c, int n) {
        String qid = "Q" + Integer.toHexString(n).toUpperCase();
        Map<String, String> i = macros("i", qid);
        List<Step> steps = new ArrayList<>();
        if (!skipped(c, SMFIP_NOCONNECT)) {
            steps.add(new Step(StageName.CONNECT, new MilterCommand.Connect("client" + n + ".example", SMFIA_INET, 40000 + (n % 20000),
                    "192.0.2." + (1 + n % 250)), CONNECT_MACROS));
        }
        if (!skipped(c, SMFIP_NOHELO)) steps.add(new Step(StageName.HELO, new MilterCommand.Helo("client.example"), Map.of()));
        Map<String, String> mailMacros = mailMacros(c, n);
        if (!skipped(c, SMFIP_NOMAIL)) steps.add(new Step(StageName.MAIL, MilterCommand.MailFrom.of("<sender" + n + "@example.org>", "SIZE=" + o.size()), mailMacros));
        for (int r = 0; r < o.rcpts() && !skipped(c, SMFIP_NORCPT); r++) {
            steps.add(new Step(StageName.RCPT, MilterCommand.RcptTo.of("<rcpt" + r + "@example.net>"),
                    macros("{rcpt_addr}", "rcpt" + r + "@example.net", "{rcpt_host}", "[127.0.0.1]:10026", "{rcpt_mailer}", "smtp")));
        }
        if (!skipped(c, SMFIP_NODATA)) steps.add(new Step(StageName.DATA, new MilterCommand.Data(), i));
        for (int h = 0; h < o.headers() && !skipped(c, SMFIP_NOHDRS); h++) steps.add(new Step(StageName.HEADERS, header(n, h), i));
        if (!skipped(c, SMFIP_NOEOH)) steps.add(new Step(StageName.EOH, new MilterCommand.EndOfHeaders(), i));
        for (int k = 0; k < chunks.size() && !skipped(c, SMFIP_NOBODY); k++) steps.add(new Step(StageName.BODY, chunks.get(k), i));
        return run(c, steps, 0).thenCompose(v -> {
            long t0 = System.nanoTime();
            return c.endOfMessage(i).thenAccept(r -> perStage.get(StageName.EOM).add(System.nanoTime() - t0));
        }).thenCompose(v -> c.abort());
    }

    private record Step(StageName stage, MilterCommand command, Map<String, String> macros) {}

    /** Sends steps[k..] in order; a SKIP answer to a body chunk ends the body. */
    private CompletableFuture<Void> run(MilterClient c, List<Step> steps, int k) {
        if (k == steps.size()) return CompletableFuture.completedFuture(null);
        Step step = steps.get(k);
        long t0 = System.nanoTime();
        return c.send(step.command(), step.macros()).thenCompose(r -> {
            perStage.get(step.stage()).add(System.nanoTime() - t0);
            int next = k + 1;
            if (r instanceof dev.mailgate.milter.codec.MilterResponse.Skip) {
                while (next < steps.size() && steps.get(next).stage() == StageName.BODY) next++;
            }
            return run(c, steps, next);
        });
    }

    private static MilterCommand.Header header(int n, int h) {
        return switch (h) {
            case 0 -> new MilterCommand.Header("From", " <sender" + n + "@example.org>");
            case 1 -> new MilterCommand.Header("To", " <rcpt0@example.net>");
            case 2 -> new MilterCommand.Header("Subject", " load test " + n);
            case 3 -> new MilterCommand.Header("Message-Id", " <" + n + "@example.org>");
            default -> new MilterCommand.Header("X-Load-" + h, " value " + h);
        };
    }

    private void timed(StageName s, MilterClient c, MilterCommand cmd, Map<String, String> macros) throws Exception {
        long t0 = System.nanoTime();
        c.send(cmd, macros).get(30, TimeUnit.SECONDS);
        perStage.get(s).add(System.nanoTime() - t0);
    }

    private static Map<String, String> macros(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) m.put(kv[k], kv[k + 1]);
        return m;
    }
}
