// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.util.List;
import java.util.Optional;

/**
 * What a filter sees of a session during one event. One session's events are delivered in
 * order, never concurrently; the context must not be used after the callback returned.
 */
public interface FilterContext {
    /** A short id for log lines (the milter connection or SMTP session). */
    String sessionId();

    /** The event being processed. */
    Stage stage();

    /** The variable's value, or its empty value ("", 0, false, []) if not set. */
    <T> T get(Var<T> var);

    /** The variable's value if it was set. */
    <T> Optional<T> find(Var<T> var);

    /** Sets a variable; it lives until its scope ends. */
    <T> void set(Var<T> var, T value);

    /** A raw MTA macro ({@code "j"}, {@code "{daemon_name}"}), braces optional. */
    Optional<String> macro(String name);

    /**
     * Reports a finding ({@code SPF_FAIL}, {@code DNSBL_LISTED}); the policy's weights turn
     * findings into the {@code score}. Reporting the same symbol twice in a message counts once.
     */
    void report(String symbol, String detail);

    /** Headers received so far (complete from {@code onHeadersReceived} on). */
    List<HeaderField> headers();

    /** The body, at {@code onDataReceived}, for filters that declared {@link Filter#needsBody()}. */
    Optional<MessageBody> body();

    /** Records message changes (applied at the end of data). */
    MessageEditor edit();
}
