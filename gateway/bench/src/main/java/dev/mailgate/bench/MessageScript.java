// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.milter.client.MilterClient;
import dev.mailgate.milter.codec.MilterCommand;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    /** The connection part: CONNECT and HELO (once per connection). */
    void connect(MilterClient c, int n) throws Exception {
        timed(StageName.CONNECT, c, new MilterCommand.Connect("client" + n + ".example", SMFIA_INET, 40000 + (n % 20000), "192.0.2." + (1 + n % 250)),
                macros("j", "mx.test.invalid", "{daemon_name}", "mx.test.invalid", "{daemon_addr}", "127.0.0.1", "v", "Postfix 3.7.11",
                        "_", "client.example [192.0.2.1]"));
        timed(StageName.HELO, c, new MilterCommand.Helo("client.example"), Map.of());
    }

    /** One transaction, ending with ABORT. */
    void message(MilterClient c, int n) throws Exception {
        String qid = "Q" + Integer.toHexString(n).toUpperCase();
        timed(StageName.MAIL, c, MilterCommand.MailFrom.of("<sender" + n + "@example.org>", "SIZE=" + o.size()),
                macros("{mail_addr}", "sender" + n + "@example.org", "{mail_host}", "[127.0.0.1]:10025", "{mail_mailer}", "smtp"));
        for (int r = 0; r < o.rcpts(); r++) {
            timed(StageName.RCPT, c, MilterCommand.RcptTo.of("<rcpt" + r + "@example.net>"),
                    macros("{rcpt_addr}", "rcpt" + r + "@example.net", "{rcpt_host}", "[127.0.0.1]:10026", "{rcpt_mailer}", "smtp"));
        }
        Map<String, String> i = macros("i", qid);
        timed(StageName.DATA, c, new MilterCommand.Data(), i);
        long t0 = System.nanoTime();
        for (int h = 0; h < o.headers(); h++) {
            MilterCommand.Header header = switch (h) {
                case 0 -> new MilterCommand.Header("From", " <sender" + n + "@example.org>");
                case 1 -> new MilterCommand.Header("To", " <rcpt0@example.net>");
                case 2 -> new MilterCommand.Header("Subject", " load test " + n);
                case 3 -> new MilterCommand.Header("Message-Id", " <" + n + "@example.org>");
                default -> new MilterCommand.Header("X-Load-" + h, " value " + h);
            };
            c.send(header, i).get(30, TimeUnit.SECONDS);
        }
        perStage.get(StageName.HEADERS).add(System.nanoTime() - t0);
        timed(StageName.EOH, c, new MilterCommand.EndOfHeaders(), i);
        t0 = System.nanoTime();
        for (MilterCommand.BodyChunk b : chunks) {
            Object r = c.send(b, i).get(30, TimeUnit.SECONDS);
            if (r instanceof dev.mailgate.milter.codec.MilterResponse.Skip) break;
        }
        perStage.get(StageName.BODY).add(System.nanoTime() - t0);
        t0 = System.nanoTime();
        c.endOfMessage().get(30, TimeUnit.SECONDS);
        perStage.get(StageName.EOM).add(System.nanoTime() - t0);
        c.abort().get(30, TimeUnit.SECONDS);
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
