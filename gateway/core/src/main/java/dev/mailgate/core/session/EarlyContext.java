// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.HeaderField;
import dev.mailgate.api.MessageBody;
import dev.mailgate.api.MessageEditor;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.core.chain.ChainEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a check that started early sees: the session's variables and macros as they were when it
 * started (copies when it runs on its own thread, so the session may move on meanwhile), plus its
 * own writes. Everything it does
 * to the session (variables, findings, failures) is recorded and replayed on the session's thread
 * when the check is awaited, so a session's state is only ever touched by one thread at a time.
 */
final class EarlyContext implements FilterContext {
    private static final Object REMOVED = new Object();

    private final String sessionId;
    private final Stage stage;
    private final VarStore vars;
    private final MacroSource macros;
    private final Map<Var<?>, Object> written = new HashMap<>();
    private final List<Consumer<Session>> effects = new ArrayList<>();

    /**
     * @param vars   the session's variables, or a copy when the check runs on another thread
     * @param macros the MTA's macros, or a snapshot likewise
     */
    EarlyContext(String sessionId, Stage stage, VarStore vars, MacroSource macros) {
        this.sessionId = sessionId;
        this.stage = stage;
        this.vars = vars;
        this.macros = macros;
    }

    /** The recorded effects, in the order the check caused them; read only after it finished. */
    synchronized List<Consumer<Session>> effects() {
        return List.copyOf(effects);
    }

    /** The chain's failure report (onError's finding and the seeds' {@code <name>.result}), recorded too. */
    synchronized void failed(ChainEntry entry, String symbol, String detail) {
        effects.add(s -> s.filterFailed(entry, symbol, detail));
    }

    @Override
    public String sessionId() {
        return sessionId;
    }

    @Override
    public Stage stage() {
        return stage;
    }

    @Override
    public synchronized <T> T get(Var<T> var) {
        return find(var).orElseGet(var::emptyValue);
    }

    @Override
    public synchronized <T> Optional<T> find(Var<T> var) {
        if (written.containsKey(var)) {
            Object v = written.get(var);
            return v == REMOVED ? Optional.empty() : Optional.of(var.type().cast(v));
        }
        return vars.find(var);
    }

    @Override
    public synchronized <T> void set(Var<T> var, T value) {
        written.put(var, value == null ? REMOVED : var.cast(value));
        effects.add(s -> s.set(var, value));
    }

    @Override
    public Optional<String> macro(String name) {
        return macros.get(name);
    }

    @Override
    public synchronized void report(String symbol, String detail) {
        effects.add(s -> s.report(symbol, detail));
    }

    @Override
    public List<HeaderField> headers() {
        return List.of();
    }

    @Override
    public Optional<MessageBody> body() {
        return Optional.empty();
    }

    @Override
    public MessageEditor edit() {
        throw new IllegalStateException("a check that starts early cannot change the message (Filter.startsEarly)");
    }
}
