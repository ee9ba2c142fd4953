// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.command;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Modification;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.filters.external.Health;
import dev.mailgate.filters.external.MessageStream;
import dev.mailgate.filters.external.Reaction;
import dev.mailgate.filters.external.ResultVars;
import dev.mailgate.filters.external.ScannerException;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs a program per message (hMailServer's external virus scanner) and maps its exit code to an
 * action. Findings: {@code COMMAND_EXIT_<code>} for every non-zero exit code that means something,
 * {@code COMMAND_TEMPERROR} (cannot start, unlisted exit code) and {@code COMMAND_TIMEOUT}.
 * Variables: {@code <name>.result} (the exit code; error or timeout), {@code .action},
 * {@code .explanation} (the first line it printed) and {@code <name>.exitCode}.
 */
final class CommandFilter implements Filter {
    /** How the message reaches the command. */
    enum Input { STDIN, FILE, NONE }

    private final String name;
    private final List<String> argv;
    private final Input input;
    private final Stage stage;
    private final ExitCodes codes;
    private final String rejectReply;
    private final String tempRejectReply;
    private final long maxSize;
    private final Duration killAfter;
    private final boolean json;
    private final Path tempDirectory;
    private final CommandRunner runner;
    private final ResultVars vars;
    private final Var<Long> exitCode;
    private final Health health;

    CommandFilter(String name, List<String> argv, Input input, Stage stage, ExitCodes codes, String rejectReply, String tempRejectReply,
                  long maxSize, Duration killAfter, boolean json, Path tempDirectory) {
        this.name = name;
        this.argv = List.copyOf(argv);
        this.input = input;
        this.stage = stage;
        this.codes = codes;
        this.rejectReply = rejectReply;
        this.tempRejectReply = tempRejectReply;
        this.maxSize = maxSize;
        this.killAfter = killAfter;
        this.json = json;
        this.tempDirectory = tempDirectory;
        this.runner = new CommandRunner(tempDirectory);
        this.vars = new ResultVars(name, stage, "the exit code, or skipped (larger than maxSize)");
        this.exitCode = vars.with(Var.integer(name + ".exitCode", Scope.TRANSACTION, stage, "exit code of the command"));
        this.health = Health.of("command", name);
    }

    @Override
    public Set<Stage> stages() {
        return Set.of(stage);
    }

    @Override
    public boolean needsBody() {
        return stage == Stage.DATA_RECEIVED && input != Input.NONE;
    }

    @Override
    public List<Var<?>> provides() {
        return vars.all();
    }

    @Override
    public Set<Class<? extends Modification>> modifications() {
        return Set.of(Modification.Quarantine.class);
    }

    @Override
    public Verdict onConnect(FilterContext ctx) throws IOException { return check(ctx); }

    @Override
    public Verdict onEhlo(FilterContext ctx) throws IOException { return check(ctx); }

    @Override
    public Verdict onMailFrom(FilterContext ctx) throws IOException { return check(ctx); }

    @Override
    public Verdict onRcptTo(FilterContext ctx) throws IOException { return check(ctx); }

    @Override
    public Verdict onData(FilterContext ctx) throws IOException { return check(ctx); }

    @Override
    public Verdict onHeadersReceived(FilterContext ctx) throws IOException { return check(ctx); }

    @Override
    public Verdict onDataReceived(FilterContext ctx) throws IOException { return check(ctx); }

    private Verdict check(FilterContext ctx) throws IOException {
        boolean withMessage = needsBody();
        if (withMessage && maxSize > 0) {
            var skipped = vars.skipIfLarger(ctx, MessageStream.size(ctx), maxSize, "COMMAND", health);
            if (skipped.isPresent()) return skipped.get();
        }
        Map<String, String> env = ProcessContext.environment(ctx, name);
        List<Path> temp = new ArrayList<>();
        long t0 = System.nanoTime();
        CommandRunner.Outcome out;
        try {
            if (json) {
                Path f = tempFile(temp, ".json");
                ProcessContext.writeJson(ctx, name, f);
                env.put("MAILGATE_CONTEXT", f.toString());
            }
            List<String> cmd = argv;
            CommandRunner.Input stdin = null;
            if (withMessage && input == Input.STDIN) {
                stdin = () -> MessageStream.open(ctx);
            } else if (withMessage && input == Input.FILE) {
                Path f = tempFile(temp, ".eml");
                try (InputStream in = MessageStream.open(ctx)) {
                    Files.copy(in, f, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                env.put("MAILGATE_FILE", f.toString());
                cmd = argv.stream().map(a -> a.replace("{file}", f.toString())).toList();
            }
            out = runner.run(cmd, env, stdin, killAfter);
        } catch (IOException e) {
            if (Thread.currentThread().isInterrupted()) throw e; // the chain's deadline: it reports that
            fail(ctx, e);
            throw e;
        } finally {
            for (Path p : temp) Files.deleteIfExists(p);
        }
        Reaction.Kind kind = codes.action(out.exitCode()).orElse(null);
        if (kind == null) {
            ScannerException e = new ScannerException("command " + argv.get(0) + " exited with " + out.exitCode()
                    + ", which no action lists" + (out.firstLine().isEmpty() ? "" : ": " + out.firstLine()));
            fail(ctx, e);
            throw e;
        }
        boolean hit = kind != Reaction.Kind.CONTINUE && kind != Reaction.Kind.ACCEPT;
        health.answered(hit, t0);
        ctx.set(exitCode, (long) out.exitCode());
        if (out.exitCode() != 0) ctx.report("COMMAND_EXIT_" + out.exitCode(), out.firstLine());
        String reply = kind == Reaction.Kind.TEMPREJECT ? tempRejectReply : rejectReply;
        Verdict v = new Reaction(kind, reply).apply(ctx, Map.of("name", name, "code", Integer.toString(out.exitCode()), "output", out.firstLine()));
        return vars.publish(ctx, Integer.toString(out.exitCode()), v, out.firstLine());
    }

    private Path tempFile(List<Path> temp, String suffix) throws IOException {
        Path f = Files.createTempFile(tempDirectory, "mailgate-" + name + "-", suffix);
        temp.add(f);
        return f;
    }

    private void fail(FilterContext ctx, IOException e) {
        boolean timeout = e instanceof SocketTimeoutException;
        health.failed(timeout, e.getMessage());
        ctx.report(timeout ? "COMMAND_TIMEOUT" : "COMMAND_TEMPERROR", e.getMessage());
    }
}
