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
        await(run(c, connectionSteps(c, n), 0, 0));
    }

    /** One transaction, ending with ABORT; the steps the milter negotiated away are not sent. */
    void message(MilterClient c, int n) throws Exception {
        await(messageAsync(c, n));
    }

    /**
     * {@link #connect} and {@link #message} as one chain of callbacks: each step is sent from the
     * event loop that completed the one before, so a message costs the driver no thread hand-offs
     * (the closed-loop throughput runs use this).
     */
    CompletableFuture<Void> connectAndMessageAsync(MilterClient c, int n) {
        return run(c, connectionSteps(c, n), 0, 0).thenCompose(v -> messageAsync(c, n));
    }

    private CompletableFuture<Void> messageAsync(MilterClient c, int n) {
        Map<String, String> i = macros("i", "Q" + Integer.toHexString(n).toUpperCase());
        return run(c, messageSteps(c, n, i), 0, 0).thenCompose(v -> {
            long t0 = System.nanoTime();
            return c.endOfMessage(i).thenAccept(r -> perStage.get(StageName.EOM).add(System.nanoTime() - t0));
        }).thenCompose(v -> c.abort());
    }

    private static void await(CompletableFuture<Void> f) throws Exception {
        // each request has the client's own timeout; this only bounds a chain that stopped moving
        f.get(10, TimeUnit.MINUTES);
    }

    private record Step(StageName stage, MilterCommand command, Map<String, String> macros) {}

    private static List<Step> connectionSteps(MilterClient c, int n) {
        List<Step> steps = new ArrayList<>();
        if (!skipped(c, SMFIP_NOCONNECT)) {
            steps.add(new Step(StageName.CONNECT, new MilterCommand.Connect("client" + n + ".example", SMFIA_INET, 40000 + (n % 20000),
                    "192.0.2." + (1 + n % 250)), CONNECT_MACROS));
        }
        if (!skipped(c, SMFIP_NOHELO)) steps.add(new Step(StageName.HELO, new MilterCommand.Helo("client.example"), Map.of()));
        return steps;
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

    /** MAIL to the last body chunk; {@code i}: the macros of DATA and the content. */
    private List<Step> messageSteps(MilterClient c, int n, Map<String, String> i) {
        List<Step> steps = new ArrayList<>();
        if (!skipped(c, SMFIP_NOMAIL)) steps.add(new Step(StageName.MAIL, MilterCommand.MailFrom.of("<sender" + n + "@example.org>", "SIZE=" + o.size()), mailMacros(c, n)));
        for (int r = 0; r < o.rcpts() && !skipped(c, SMFIP_NORCPT); r++) {
            steps.add(new Step(StageName.RCPT, MilterCommand.RcptTo.of("<rcpt" + r + "@example.net>"),
                    macros("{rcpt_addr}", "rcpt" + r + "@example.net", "{rcpt_host}", "[127.0.0.1]:10026", "{rcpt_mailer}", "smtp")));
        }
        if (!skipped(c, SMFIP_NODATA)) steps.add(new Step(StageName.DATA, new MilterCommand.Data(), i));
        for (int h = 0; h < o.headers() && !skipped(c, SMFIP_NOHDRS); h++) steps.add(new Step(StageName.HEADERS, header(n, h), i));
        if (!skipped(c, SMFIP_NOEOH)) steps.add(new Step(StageName.EOH, new MilterCommand.EndOfHeaders(), i));
        for (int k = 0; k < chunks.size() && !skipped(c, SMFIP_NOBODY); k++) steps.add(new Step(StageName.BODY, chunks.get(k), i));
        return steps;
    }

    /**
     * Sends steps[k..] in order; a SKIP answer to a body chunk ends the body. The headers and the
     * body chunks are each timed as one block ({@code since}: when the block's first step was sent).
     */
    private CompletableFuture<Void> run(MilterClient c, List<Step> steps, int k, long since) {
        if (k == steps.size()) return CompletableFuture.completedFuture(null);
        Step step = steps.get(k);
        long t0 = since != 0 ? since : System.nanoTime();
        return c.send(step.command(), step.macros()).thenCompose(r -> {
            int next = k + 1;
            if (r instanceof dev.mailgate.milter.codec.MilterResponse.Skip) {
                while (next < steps.size() && steps.get(next).stage() == StageName.BODY) next++;
            }
            boolean block = step.stage() == StageName.HEADERS || step.stage() == StageName.BODY;
            boolean blockGoesOn = block && next < steps.size() && steps.get(next).stage() == step.stage();
            if (!blockGoesOn) perStage.get(step.stage()).add(System.nanoTime() - t0);
            return run(c, steps, next, blockGoesOn ? t0 : 0);
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

    private static Map<String, String> macros(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) m.put(kv[k], kv[k + 1]);
        return m;
    }
}
