// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import static dev.mailgate.api.StandardVars.*;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.HeaderField;
import dev.mailgate.api.MessageBody;
import dev.mailgate.api.MessageEditor;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import dev.mailgate.core.chain.ChainEntry;
import dev.mailgate.core.chain.FilterInvoker;
import dev.mailgate.core.chain.OnError;
import dev.mailgate.core.metrics.FrontEndMeter;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.core.policy.RuleTarget;
import dev.mailgate.core.policy.AddedFilterVars;
import dev.mailgate.core.policy.NamePattern;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SMTP session as the pipeline sees it, whichever front end feeds it. Events are processed
 * in order: the session updates the variables, runs the filters of the event's stage, then the
 * policy's rules, and answers with a {@link StageResult}. Stages whose filters never block run
 * on the caller's thread (the event loop); the others on a virtual thread.
 */
public final class Session implements FilterContext, RuleTarget {
    private static final Logger LOG = LoggerFactory.getLogger(Session.class);
    private static final Logger VERDICTS = LoggerFactory.getLogger("dev.mailgate.verdict");

    private final String id;
    private final Policy policy;
    private final MacroSource macros;
    private final EventScheduler scheduler;
    private final VarStore vars = new VarStore();
    private final Findings findings = new Findings();
    private final MessageEdits edits = new MessageEdits();
    private final HeaderBlock headers;
    private final List<String> rawRecipients = new ArrayList<>();
    private final BodyStore body;
    private final StageRunner runner;
    private final EarlyChecks early;
    /** Filters added with addFilter; null until a rule adds one. */
    private AddedFilterSet added;
    private Verdict decision;
    private Stage stage = Stage.CONNECT;
    private boolean connectionAccepted;
    private boolean inTransaction;
    private boolean messageDecided;
    private long bodyBytes;
    private final FrontEndMeter meter;
    private boolean ended;

    public Session(String id, Policy policy, MacroSource macros, Executor threads) {
        this(id, policy, macros, threads, FrontEndMeter.NONE);
    }

    /** {@code meter}: where this session counts its verdicts and its end (its front end's). */
    public Session(String id, Policy policy, MacroSource macros, Executor threads, FrontEndMeter meter) {
        this.meter = meter;
        this.id = id;
        this.policy = policy;
        this.macros = macros;
        this.body = policy.needsBody() ? new BodyStore(policy.message().memoryLimit(), policy.message().tempDirectory()) : null;
        this.headers = new HeaderBlock(policy.message().maxHeaderSize());
        this.runner = new StageRunner(this, policy);
        this.early = new EarlyChecks(this, policy);
        // waiting for an early check blocks, and so may storing a body: never on the event loop
        this.scheduler = new EventScheduler(id, policy, threads, this::process,
                st -> (st == Stage.BODY_CHUNK && body != null) || early.hasPending(), early::hasPending);
        vars.set(SMTP_ACTION, "continue");
    }

    public Policy policy() {
        return policy;
    }

    /**
     * Processes an event: on the calling thread when the stage cannot block and nothing is
     * queued, otherwise on the session's virtual thread, in order (see {@link EventScheduler}).
     */
    public CompletableFuture<StageResult> dispatch(SessionEvent event) {
        return scheduler.dispatch(event);
    }

    /** Processes one event synchronously (tests and the offline {@code gateway test}). */
    public StageResult process(SessionEvent event) {
        return switch (event) {
            case SessionEvent.Connect c -> connect(c);
            case SessionEvent.Relay r -> relay(r);
            case SessionEvent.Ehlo h -> {
                vars.set(EHLO_HOST, h.name());
                vars.set(IS_ESMTP, h.esmtp());
                yield run(Stage.EHLO);
            }
            case SessionEvent.MailFrom m -> mailFrom(m);
            case SessionEvent.RcptTo r -> rcptTo(r);
            case SessionEvent.Data d -> {
                StageResult r = run(Stage.DATA);
                settle(); // the message's content follows: no early check runs past this point
                yield r;
            }
            case SessionEvent.Header h -> {
                headers.add(h.name(), h.value());
                yield StageResult.CONTINUE;
            }
            case SessionEvent.EndOfHeaders e -> endOfHeaders();
            case SessionEvent.BodyChunk b -> bodyChunk(b.data());
            case SessionEvent.EndOfData e -> endOfData();
            case SessionEvent.DeliveryFailure f -> deliveryFailure(f);
            case SessionEvent.Reset r -> {
                endTransaction();
                yield StageResult.CONTINUE;
            }
            case SessionEvent.Disconnect d -> {
                if (!ended) meter.sessionClosed();
                ended = true;
                early.cancelAll();
                endTransaction();
                stage = Stage.DISCONNECT;
                runner.lifecycle(Stage.DISCONNECT, added == null ? List.of() : added.ever());
                yield StageResult.CONTINUE;
            }
        };
    }

    private StageResult connect(SessionEvent.Connect c) {
        vars.set(REMOTE_SMTP_HOST, c.hostname());
        vars.set(REMOTE_SMTP_IP, c.address());
        vars.set(REMOTE_SMTP_PORT, (long) c.port());
        if (!c.localAddress().isEmpty()) vars.set(SMTP_IP, c.localAddress());
        if (c.localPort() > 0) vars.set(SMTP_PORT, (long) c.localPort());
        return run(Stage.CONNECT);
    }

    /**
     * SMTP proxy, before the downstream connection: the listener's defaults become the next-hop
     * variables, then onRelay's filters and rules may change them. Runs even after an accept at
     * onConnect: accepting a client says nothing about where its mail goes.
     */
    private StageResult relay(SessionEvent.Relay r) {
        stage = Stage.RELAY;
        vars.set(RELAY_HOST, r.host());
        vars.set(RELAY_PORT, (long) r.port());
        vars.set(TRY_TLS, r.tryTls());
        vars.set(FORCE_TLS, r.forceTls());
        vars.set(VERIFY_CERT, r.verifyCert());
        vars.set(CHECK_CERT_NAME, r.checkCertName());
        vars.set(HELO_NAME, r.heloName());
        StageResult result = runner.stage(Stage.RELAY);
        if (result.verdict().isFinal() && LOG.isDebugEnabled()) {
            LOG.debug("session={} onRelay -> {} by {}", id, result.verdict().action(), result.decidedBy());
        }
        return result;
    }

    private StageResult mailFrom(SessionEvent.MailFrom m) {
        endTransaction();
        inTransaction = true;
        String bare = Addresses.bare(m.address());
        vars.set(MAIL_FROM_ADDR, bare);
        vars.set(MAIL_FROM_LOCAL_PART, Addresses.localPart(bare));
        vars.set(MAIL_FROM_DOMAIN, Addresses.domain(bare));
        vars.set(MAIL_FROM_PARAMS, m.params());
        String size = Addresses.param(m.params(), "SIZE");
        if (size != null && size.matches("\\d{1,18}")) vars.set(MAIL_FROM_SIZE, Long.parseLong(size));
        String auth = Addresses.param(m.params(), "AUTH");
        if (auth != null && !auth.equals("<>")) vars.set(MAIL_FROM_AUTH_USER, auth);
        vars.set(MAIL_COUNT, vars.get(MAIL_COUNT) + 1);
        vars.set(SCORE, findings.score());
        vars.set(FINDINGS, findings.symbols());
        vars.set(SMTP_ACTION, "continue");
        return run(Stage.MAIL_FROM);
    }

    private StageResult rcptTo(SessionEvent.RcptTo r) {
        vars.clearRecipient();
        String bare = Addresses.bare(r.address());
        vars.set(RCPT_TO_ADDR, bare);
        vars.set(RCPT_TO_DOMAIN, Addresses.domain(bare));
        vars.set(RCPT_TO_PARAMS, r.params());
        vars.set(RCPT_COUNT, (long) rawRecipients.size() + 1);
        StageResult result = run(Stage.RCPT_TO);
        Verdict v = result.verdict();
        if (!(v instanceof Verdict.Reject || v instanceof Verdict.TempReject)) {
            rawRecipients.add(r.address());
            List<String> all = new ArrayList<>(vars.get(RECIPIENTS));
            all.add(bare);
            vars.set(RECIPIENTS, all);
        }
        vars.set(RCPT_COUNT, (long) rawRecipients.size());
        return result;
    }

    private StageResult endOfHeaders() {
        settle();
        // past message.maxHeaderSize: refused at the first stage that can say so
        if (headers.tooBig()) {
            stage = Stage.HEADERS_RECEIVED;
            // where the MTA was told not to wait for an answer, the refusal waits for the end of data
            if (!policy.decides(Stage.HEADERS_RECEIVED)) return StageResult.CONTINUE;
            messageDecided = true;
            StageResult refused = headersTooBigResult();
            meter.stageVerdict(Stage.HEADERS_RECEIVED, refused.verdict());
            return refused;
        }
        headers.publish(vars);
        runner.invalidateHeaderMap();
        return run(Stage.HEADERS_RECEIVED);
    }

    private StageResult bodyChunk(byte[] data) {
        settle();
        if (headers.tooBig()) return StageResult.SKIP_BODY;
        bodyBytes += data.length;
        if (body != null) body.append(data);
        if (messageDecided || connectionAccepted) return StageResult.SKIP_BODY;
        stage = Stage.BODY_CHUNK;
        StageResult r = runner.bodyChunk(data);
        if (r.verdict().isFinal()) meter.stageVerdict(Stage.BODY_CHUNK, r.verdict());
        boolean more = body != null || policy.countsBody() || runner.filtersWantMoreBody();
        return more || !r.verdict().equals(Verdict.CONTINUE) ? r : StageResult.SKIP_BODY;
    }

    private StageResult endOfData() {
        long size = headers.bytes() + 2 + bodyBytes;
        vars.set(MESSAGE_SIZE, size);
        vars.set(TOTAL_MAIL_SIZE, vars.get(TOTAL_MAIL_SIZE) + size);
        settle();
        if (headers.tooBig()) {
            stage = Stage.DATA_RECEIVED;
            StageResult refused = headersTooBigResult();
            logVerdict(refused.verdict(), refused.decidedBy(), 0);
            meter.message(refused.verdict());
            return refused;
        }
        StageResult r = run(Stage.DATA_RECEIVED);
        Verdict v = r.verdict();
        String decidedBy = r.decidedBy();
        if (v instanceof Verdict.Continue && !messageDecided && !connectionAccepted) {
            StageResult t = runner.thresholds();
            v = t.verdict();
            if (t.decidedBy() != null) decidedBy = t.decidedBy();
        }
        boolean delivered = v instanceof Verdict.Continue || v instanceof Verdict.Accept;
        var mods = delivered ? edits.resolve(headers.fields()) : List.<dev.mailgate.api.Modification>of();
        logVerdict(v, decidedBy, mods.size());
        meter.message(v);
        return new StageResult(v, mods, false, decidedBy);
    }

    private StageResult headersTooBigResult() {
        return StageResult.of(Verdict.reject("552 5.3.4 Error: message header size exceeds limit"), "message.maxHeaderSize");
    }

    /** The downstream refused something (SMTP proxy): see {@link DeliveryFailureStage}. */
    private StageResult deliveryFailure(SessionEvent.DeliveryFailure f) {
        stage = f.stage();
        return DeliveryFailureStage.judge(f, vars, runner, id);
    }

    private StageResult run(Stage s) {
        stage = s;
        MacroMapping.apply(s, macros, vars);
        if (connectionAccepted || (messageDecided && s.isTransaction())) return StageResult.CONTINUE;
        StageResult r = runner.stage(s);
        Verdict v = r.verdict();
        if (v instanceof Verdict.Accept && (s == Stage.CONNECT || s == Stage.EHLO)) connectionAccepted = true;
        if (s.isTransaction() && s != Stage.RCPT_TO && v.isFinal()) messageDecided = true;
        if (s == Stage.RCPT_TO && (v instanceof Verdict.Accept || v instanceof Verdict.Discard)) messageDecided = true;
        if (v.isFinal() && s != Stage.DATA_RECEIVED) meter.stageVerdict(s, v);
        if (v.isFinal() && s != Stage.DATA_RECEIVED && LOG.isDebugEnabled()) {
            LOG.debug("session={} {} -> {} by {}", id, s.eventName(), v.action(), r.decidedBy());
        }
        return r;
    }

    private void logVerdict(Verdict v, String decidedBy, int modifications) {
        if (!VERDICTS.isInfoEnabled()) return;
        // size "-": the MTA was asked not to send the content (the policy needs none of it)
        VERDICTS.info("session={} queueId={} client={} from=<{}> rcpts={} size={} verdict={} by={} score={} findings=[{}] changes={}",
                id, vars.get(QUEUE_ID), vars.get(REMOTE_SMTP_IP), vars.get(MAIL_FROM_ADDR), vars.get(RECIPIENTS).size(),
                headers.bytes() + bodyBytes > 0 ? vars.get(MESSAGE_SIZE) : "-", v instanceof Verdict.Continue ? "accept" : v.action(), decidedBy == null ? "-" : decidedBy, Findings.fmt(findings.score()),
                findings.summary(), modifications);
    }

    private void endTransaction() {
        if (early.hasPending()) early.awaitTransaction();
        early.endTransaction();
        if (inTransaction) {
            stage = Stage.RESET;
            runner.lifecycle(Stage.RESET, activeAdded());
        }
        if (added != null) added.endMessage();
        decision = null;
        inTransaction = false;
        messageDecided = false;
        vars.clearTransaction();
        vars.set(SMTP_ACTION, "continue");
        findings.clearTransaction();
        edits.clear();
        headers.clear();
        rawRecipients.clear();
        bodyBytes = 0;
        if (body != null) body.discard();
        runner.invalidateHeaderMap();
    }

    // ---- checks started early ----

    EarlyChecks early() {
        return early;
    }

    void startEarly(ChainEntry entry, Stage s) {
        early.start(entry, s, vars, macros);
    }

    /**
     * Awaits the checks still running (tests, traces); their variables and findings are then
     * set, and a verdict one returned is answered at the next stage that can answer it.
     * Call it on the session's thread, as {@link #process} is.
     */
    public void settle() {
        if (early.hasPending()) early.awaitAll();
    }

    /** True if nothing more runs at {@code s}: the connection was accepted, or the message decided. */
    boolean decidedAt(Stage s) {
        return connectionAccepted || (messageDecided && s.isTransaction());
    }

    void acceptConnection() {
        connectionAccepted = true;
    }

    void decideMessage() {
        messageDecided = true;
    }

    /** Replays an early check's effects as if it ran now at {@code origin} (findings keep their scope). */
    void replay(Stage origin, List<java.util.function.Consumer<Session>> effects) {
        Stage current = stage;
        stage = origin;
        try {
            for (var e : effects) e.accept(this);
        } finally {
            stage = current;
        }
    }

    // ---- what filters and rules see ----

    void filterFailed(ChainEntry entry, String symbol, String detail) {
        // the policy's weight for the symbol, unless the filter's onError names a score itself
        if (entry.onError().kind() == OnError.Kind.SCORE) addScore(symbol, entry.onError().score());
        else report(symbol, detail);
        // the seeds' <filterName>.result / .action / .explanation, for filters that publish them
        setIfDeclared(entry.name() + ".result", symbol.endsWith("_TIMEOUT") ? "timeout" : "error");
        setIfDeclared(entry.name() + ".action", entry.onError().verdict(entry.name()).action());
        setIfDeclared(entry.name() + ".explanation", detail);
    }

    private void setIfDeclared(String name, String value) {
        Var<?> v = policy.variables().get(name);
        if (v != null && v.type() == String.class) {
            @SuppressWarnings("unchecked")
            Var<String> s = (Var<String>) v;
            vars.set(s, value);
        }
    }

    /** The filters added with addFilter that this session may run now, in declaration order. */
    private List<ChainEntry> activeAdded() {
        return added == null ? List.of() : added.active(policy.addedFilters().values());
    }

    /**
     * The SMTP proxy's events about the message on its way out: their findings belong to the
     * message. onRelay is not one of them: it runs once per session, before any message.
     */
    private static boolean outbound(Stage s) {
        return s == Stage.DELIVERY_FAILURE || s == Stage.TEMPORARY_DELIVERY_FAILURE;
    }

    @Override
    public void addFilter(String name) {
        ChainEntry e = policy.addedFilters().get(name);
        if (e == null) {
            vars.set(AddedFilterVars.ADD_FILTER_RESULT, "failure");
            vars.set(AddedFilterVars.ADD_FILTER_EXPLANATION, "no filter called '" + name + "' is declared");
            return;
        }
        boolean forMessage = stage.isTransaction();
        String scope = forMessage ? "this message" : "this session";
        if (added == null) added = new AddedFilterSet();
        if (!added.add(e, forMessage)) scope = "already added";
        vars.set(AddedFilterVars.ADD_FILTER_RESULT, "success");
        vars.set(AddedFilterVars.ADD_FILTER_EXPLANATION, "filter " + name + " (" + e.type() + "): " + scope);
    }

    @Override
    public void executeFilters(NamePattern names, boolean decide) {
        Verdict v = runner.executeAdded(activeAdded(), names, stage, decide);
        if (decide && v.isFinal() && decision == null) decision = v;
    }

    @Override
    public Verdict takeDecision() {
        Verdict v = decision;
        decision = null;
        return v;
    }

    @Override
    public String sessionId() {
        return id;
    }

    @Override
    public Stage stage() {
        return stage;
    }

    @Override
    public <T> T get(Var<T> var) {
        return vars.get(var);
    }

    @Override
    public <T> Optional<T> find(Var<T> var) {
        return vars.find(var);
    }

    @Override
    public <T> void set(Var<T> var, T value) {
        vars.set(var, value);
    }

    @Override
    public Optional<String> macro(String name) {
        return macros.get(MacroSource.bareName(name));
    }

    @Override
    public void report(String symbol, String detail) {
        addFinding(symbol, policy.weight(symbol));
    }

    @Override
    public void addScore(String name, double score) {
        addFinding(name, score);
    }

    private void addFinding(String symbol, double weight) {
        if (findings.add(symbol, weight, !stage.isTransaction() && stage != Stage.RESET && !outbound(stage))) {
            vars.set(SCORE, findings.score());
            vars.set(FINDINGS, findings.symbols());
        }
    }

    @Override
    public List<HeaderField> headers() {
        return List.copyOf(headers.fields());
    }

    @Override
    public Optional<MessageBody> body() {
        return stage == Stage.DATA_RECEIVED && body != null ? Optional.of(body) : Optional.empty();
    }

    @Override
    public MessageEditor edit() {
        return edits;
    }

    @Override
    public Optional<Object> read(String name) {
        return runner.read(name, vars, macros, headers.fields());
    }

    /** The variables set so far, by name (traces and parity tests). */
    public java.util.Map<String, Object> variables() {
        return vars.snapshot();
    }
}
