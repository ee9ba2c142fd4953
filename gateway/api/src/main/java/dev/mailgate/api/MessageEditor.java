// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

/**
 * Message changes with the seeds' verbs (Axigen {@code addHeader}, {@code modifyHeader}, ...).
 * Calls are recorded and applied by the MTA at the end of data; header verbs see the headers as
 * received plus the edits recorded before them. Usable from any stage of a transaction; the
 * changes are sent at {@code onDataReceived}.
 */
public interface MessageEditor {
    /** Append a header. */
    void addHeader(String name, String value);

    /** Append a header unless one with that name exists (received or already added). */
    void addIfNotExistsHeader(String name, String value);

    /** Insert a header at position {@code index} (0 = top). */
    void insertHeader(int index, String name, String value);

    /** Remove the first header with that name, if any. */
    void removeFirstHeader(String name);

    /** Remove every header with that name. */
    void removeHeader(String name);

    /** Set the first header with that name to {@code value}, adding it if absent. */
    void modifyHeader(String name, String value);

    /** Set the first header with that name to {@code value} only if it exists. */
    void modifyIfExistsHeader(String name, String value);

    /**
     * Set the {@code occurrence}-th (1-based) header called {@code name} to {@code value}; an empty
     * value removes it. Nothing happens if that occurrence does not exist (e.g. removing a forged
     * Authentication-Results header among several).
     */
    void changeHeader(String name, int occurrence, String value);

    /** Add an envelope recipient. */
    void addRcpt(String address);

    /** Remove an envelope recipient. */
    void discardRcpt(String address);

    /** Replace the envelope sender. */
    void changeFrom(String address);

    /** Replace the body. */
    void replaceBody(MessageBody body);

    /** Put the message on hold with a reason. */
    void quarantine(String reason);
}
