// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import dev.mailgate.api.Stage;
import dev.mailgate.core.Pipeline;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.session.MacroSource;
import dev.mailgate.core.session.Session;
import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.core.session.StageResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code mailgate test}: one message through a policy, offline, printing each stage's decision,
 * the final verdict with the rule or filter that decided, the changes, and the inputs.
 */
final class TestCommand {
    private TestCommand() {}

    static int run(Options o, PrintStream out, PrintStream err) {
        if (o.positional().size() != 1) throw new Options.UsageException("test takes exactly one message file");
        String policyFile = o.required("policy");
        String from = o.required("from");
        List<String> rcpts = o.all("rcpt");
        if (rcpts.isEmpty()) throw new Options.UsageException("--rcpt is required");
        try (Policy policy = Policies.load(policyFile)) {
            return run(o, policy, from, rcpts, out, err);
        }
    }

    private static int run(Options o, Policy policy, String from, List<String> rcpts, PrintStream out, PrintStream err) {
        String ip = o.one("ip", "127.0.0.1");
        String helo = o.one("helo", "localhost");
        Path file = Path.of(o.positional().get(0));
        MessageFile message;
        try {
            message = MessageFile.parse(Files.readAllBytes(file));
        } catch (IOException e) {
            err.println("cannot read " + file + ": " + e);
            return 1;
        }
        out.printf("inputs: policy=%s ip=%s helo=%s from=<%s> rcpt=%s message=%s (%d headers, %d body bytes)%n",
                policy.source(), ip, helo, from, rcpts, file, message.headers().size(), message.body().length);

        Session s = new Pipeline(policy).open("test", MacroSource.NONE);
        StageResult last = step(out, s, new SessionEvent.Connect("[" + ip + "]", ip, 0, "", 0));
        if (!last.verdict().isFinal()) last = step(out, s, new SessionEvent.Ehlo(helo, true));
        if (!last.verdict().isFinal()) last = step(out, s, new SessionEvent.MailFrom("<" + from + ">", List.of()));
        int accepted = 0;
        boolean anyTemporary = false;
        if (!last.verdict().isFinal()) {
            for (String r : rcpts) {
                StageResult rr = step(out, s, new SessionEvent.RcptTo("<" + r + ">", List.of()));
                if (rr.verdict() instanceof dev.mailgate.api.Verdict.TempReject) anyTemporary = true;
                if (!(rr.verdict() instanceof dev.mailgate.api.Verdict.Reject || rr.verdict() instanceof dev.mailgate.api.Verdict.TempReject)) accepted++;
                if (rr.verdict() instanceof dev.mailgate.api.Verdict.Accept || rr.verdict() instanceof dev.mailgate.api.Verdict.Discard) {
                    last = rr;
                    break;
                }
            }
            // the client's view: with a recipient refused only for now, it tries the message again later
            if (accepted == 0) last = new StageResult(anyTemporary ? new dev.mailgate.api.Verdict.TempReject(null, false)
                    : new dev.mailgate.api.Verdict.Reject(null, false), List.of(), false, "every recipient refused");
        }
        if (!last.verdict().isFinal()) last = step(out, s, new SessionEvent.Data());
        if (!last.verdict().isFinal()) {
            for (var h : message.headers()) s.process(new SessionEvent.Header(h.name(), h.value()));
            last = step(out, s, new SessionEvent.EndOfHeaders());
        }
        if (!last.verdict().isFinal()) {
            byte[] body = message.body();
            for (int off = 0; off < body.length && !last.verdict().isFinal() && !last.skipBody(); off += 65535) {
                byte[] chunk = java.util.Arrays.copyOfRange(body, off, Math.min(body.length, off + 65535));
                last = s.process(new SessionEvent.BodyChunk(chunk));
            }
            if (!last.verdict().isFinal()) last = step(out, s, new SessionEvent.EndOfData());
        }
        out.printf("verdict: %s%s%n", describe(last), last.decidedBy() == null ? "" : " (decided by " + last.decidedBy() + ")");
        for (var m : last.modifications()) out.println("change: " + m);
        out.println("variables: " + s.variables());
        s.process(new SessionEvent.Disconnect());
        return 0;
    }

    private static StageResult step(PrintStream out, Session s, SessionEvent e) {
        StageResult r = s.process(e);
        Stage st = e.stage();
        out.printf("%-18s %s%s%n", st.eventName(), describe(r), r.decidedBy() == null ? "" : " (" + r.decidedBy() + ")");
        return r;
    }

    private static String describe(StageResult r) {
        var v = r.verdict();
        String reply = switch (v) {
            case dev.mailgate.api.Verdict.Reject x -> x.reply() == null ? "" : " " + x.reply();
            case dev.mailgate.api.Verdict.TempReject x -> x.reply() == null ? "" : " " + x.reply();
            default -> "";
        };
        return v.action() + reply;
    }
}
