// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.HeaderField;
import dev.mailgate.api.MessageBody;
import dev.mailgate.api.MessageEditor;
import dev.mailgate.api.Modification;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;

/**
 * Records the seeds' edit verbs during a transaction and turns them into concrete
 * {@link Modification}s at the end of data, when the received headers are known. Header verbs
 * are resolved against the headers as received plus the edits recorded before them, so
 * {@code removeHeader} removes every occurrence and {@code addIfNotExistsHeader} sees an earlier
 * {@code addHeader}.
 */
final class MessageEdits implements MessageEditor {
    private final List<BiConsumer<HeaderView, List<Modification>>> ops = new ArrayList<>();

    /** The header names as the MTA will have them, in order. */
    private static final class HeaderView {
        final List<String> names = new ArrayList<>();

        int count(String name) {
            int n = 0;
            for (String s : names) if (s.equalsIgnoreCase(name)) n++;
            return n;
        }

        void removeOccurrence(String name, int occurrence) {
            int n = 0;
            for (int i = 0; i < names.size(); i++) {
                if (names.get(i).equalsIgnoreCase(name) && ++n == occurrence) {
                    names.remove(i);
                    return;
                }
            }
        }
    }

    boolean isEmpty() {
        return ops.isEmpty();
    }

    void clear() {
        ops.clear();
    }

    /** The modifications, in the order the verbs were called. */
    List<Modification> resolve(List<HeaderField> received) {
        HeaderView view = new HeaderView();
        for (HeaderField h : received) view.names.add(h.name());
        List<Modification> out = new ArrayList<>();
        for (var op : ops) op.accept(view, out);
        return out;
    }

    @Override
    public void addHeader(String name, String value) {
        Modification m = new Modification.AddHeader(name, value);
        ops.add((v, out) -> { out.add(m); v.names.add(name); });
    }

    @Override
    public void addIfNotExistsHeader(String name, String value) {
        Modification m = new Modification.AddHeader(name, value);
        ops.add((v, out) -> {
            if (v.count(name) == 0) { out.add(m); v.names.add(name); }
        });
    }

    @Override
    public void insertHeader(int index, String name, String value) {
        Modification m = new Modification.InsertHeader(index, name, value);
        ops.add((v, out) -> { out.add(m); v.names.add(Math.min(index, v.names.size()), name); });
    }

    @Override
    public void removeFirstHeader(String name) {
        new Modification.ChangeHeader(name, 1, ""); // validates the name now, where the caller is
        ops.add((v, out) -> {
            if (v.count(name) > 0) { out.add(new Modification.ChangeHeader(name, 1, "")); v.removeOccurrence(name, 1); }
        });
    }

    @Override
    public void removeHeader(String name) {
        new Modification.ChangeHeader(name, 1, "");
        ops.add((v, out) -> {
            // last to first, so the remaining occurrence numbers stay valid
            for (int i = v.count(name); i >= 1; i--) {
                out.add(new Modification.ChangeHeader(name, i, ""));
                v.removeOccurrence(name, i);
            }
        });
    }

    @Override
    public void modifyHeader(String name, String value) {
        Modification m = new Modification.ChangeHeader(name, 1, value);
        ops.add((v, out) -> {
            out.add(m); // the MTA adds the header when it is missing
            if (v.count(name) == 0) v.names.add(name);
        });
    }

    @Override
    public void modifyIfExistsHeader(String name, String value) {
        Modification m = new Modification.ChangeHeader(name, 1, value);
        ops.add((v, out) -> {
            if (v.count(name) > 0) out.add(m);
        });
    }

    @Override
    public void changeHeader(String name, int occurrence, String value) {
        Modification m = new Modification.ChangeHeader(name, occurrence, value);
        ops.add((v, out) -> {
            if (v.count(name) < occurrence) return; // the MTA would add it instead: not what was asked
            out.add(m);
            if (value.isEmpty()) v.removeOccurrence(name, occurrence);
        });
    }

    @Override
    public void addRcpt(String address) {
        Modification m = new Modification.AddRecipient(bracket(address), "");
        ops.add((v, out) -> out.add(m));
    }

    @Override
    public void discardRcpt(String address) {
        Modification m = new Modification.RemoveRecipient(bracket(address));
        ops.add((v, out) -> out.add(m));
    }

    @Override
    public void changeFrom(String address) {
        Modification m = new Modification.ChangeSender(bracket(address), "");
        ops.add((v, out) -> out.add(m));
    }

    @Override
    public void replaceBody(MessageBody body) {
        Modification m = new Modification.ReplaceBody(body);
        ops.add((v, out) -> out.add(m));
    }

    @Override
    public void quarantine(String reason) {
        Modification m = new Modification.Quarantine(reason);
        ops.add((v, out) -> out.add(m));
    }

    /** Addresses travel in angle brackets, as in the RCPT / MAIL commands. */
    static String bracket(String address) {
        String a = address.strip();
        return a.startsWith("<") && a.endsWith(">") ? a : "<" + a + ">";
    }
}
