// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Set;

/**
 * A filter in the chain. One instance serves every session (keep per-session state in
 * {@link Var}s); it is called for the stages it declares in {@link #stages()}, in protocol order,
 * one session's events never concurrently.
 *
 * <p>Callbacks return a {@link Verdict}; {@link Verdict#CONTINUE} means "no opinion". A callback
 * may block (I/O) unless {@link #blocking()} says otherwise: the pipeline runs it on a virtual
 * thread, bounded by the filter's deadline. An exception or an overrun deadline becomes the
 * filter's configured {@code onError} verdict; it never hangs or kills the session.
 */
public interface Filter {
    /** The stages this filter acts on; the front ends skip the others where the protocol allows. */
    Set<Stage> stages();

    /**
     * False for a stage where this filter only sets variables and never returns a verdict: the
     * front end then need not wait for an answer there (milter no-reply flags save a round trip).
     */
    default boolean decidesAt(Stage stage) {
        return stages().contains(stage);
    }

    /** The variables this filter sets, so that rules may read them (checked at policy load). */
    default List<Var<?>> provides() {
        return List.of();
    }

    /**
     * The kinds of message change this filter may record (so the front end asks the MTA for
     * exactly those rights). Empty for filters that only judge.
     */
    default Set<Class<? extends Modification>> modifications() {
        return Set.of();
    }

    /**
     * False if every callback is pure computation that never blocks: such filters may run on the
     * event loop, which saves a thread hand-off per event.
     */
    default boolean blocking() {
        return true;
    }

    /**
     * True if this stage's callback may be started and left running while the session moves on
     * (a DNS check at onConnect while the client says EHLO and MAIL FROM). The pipeline then
     * awaits it where its result can matter: before a rule that reads a variable it
     * {@linkplain #provides() provides} (or the score), before any filter that does not start
     * early, before its own next callback, and before the end of data at the latest; its
     * variables, findings and verdict take effect there, as if it had just run.
     *
     * <p>Only for callbacks that read the variables present when the stage begins, set only the
     * variables listed in {@link #provides()}, report findings, and make no message changes.
     * Applies to {@link #blocking()} filters only. The callback is first tried on the session's
     * thread inside {@link NoWait#attempt}; where it would wait it must call
     * {@link NoWait#blockedIfAttempting()}, and it may then be called a second time.
     */
    default boolean startsEarly(Stage stage) {
        return false;
    }

    /** True if the filter reads the body at onDataReceived ({@link FilterContext#body()}). */
    default boolean needsBody() {
        return false;
    }

    default Verdict onConnect(FilterContext ctx) throws Exception { return Verdict.CONTINUE; }

    /**
     * SMTP proxy only, before the downstream connection: may set the next-hop variables
     * ({@link StandardVars#RELAY_HOST} ...); reject / tempreject refuse the client.
     */
    default Verdict onRelay(FilterContext ctx) throws Exception { return Verdict.CONTINUE; }

    default Verdict onEhlo(FilterContext ctx) throws Exception { return Verdict.CONTINUE; }

    default Verdict onMailFrom(FilterContext ctx) throws Exception { return Verdict.CONTINUE; }

    default Verdict onRcptTo(FilterContext ctx) throws Exception { return Verdict.CONTINUE; }

    default Verdict onData(FilterContext ctx) throws Exception { return Verdict.CONTINUE; }

    default Verdict onHeadersReceived(FilterContext ctx) throws Exception { return Verdict.CONTINUE; }

    /**
     * One body chunk (read-only, valid only during the call). Return {@link Verdict#CONTINUE} to
     * keep receiving chunks; a filter that has seen enough may stop declaring interest by
     * returning from {@link #wantsMoreBody(FilterContext)} false.
     */
    default Verdict onBodyChunk(FilterContext ctx, ByteBuffer chunk) throws Exception { return Verdict.CONTINUE; }

    /** Asked after each chunk; once no filter wants more, the front end skips the rest of the body. */
    default boolean wantsMoreBody(FilterContext ctx) {
        return true;
    }

    default Verdict onDataReceived(FilterContext ctx) throws Exception { return Verdict.CONTINUE; }

    /** The transaction ended (RSET, abort, after the end of data). No verdict. */
    default void onReset(FilterContext ctx) throws Exception {}

    /** The session ended. No verdict. */
    default void onDisconnect(FilterContext ctx) throws Exception {}
}
