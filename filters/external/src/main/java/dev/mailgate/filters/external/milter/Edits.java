// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.milter;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.MessageBody;
import dev.mailgate.api.MessageEditor;
import dev.mailgate.milter.codec.MilterResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns the downstream milter's end-of-message changes into ours ({@link MessageEditor}), in the
 * order it sent them. A replaced body is collected in a temporary file (never whole on the heap),
 * which lives until the transaction ends.
 */
final class Edits {
    private Edits() {}

    /** What could not be expressed with {@link MessageEditor} (for one log line and a finding). */
    record Applied(int count, List<String> unsupported, Path bodyFile) {}

    static Applied apply(FilterContext ctx, List<MilterResponse> edits, Path tempDirectory) throws IOException {
        MessageEditor e = ctx.edit();
        List<String> unsupported = new ArrayList<>();
        Path body = null;
        OutputStream bodyOut = null;
        int n = 0;
        try {
            for (MilterResponse r : edits) {
                if (!(r instanceof MilterResponse.Modification)) continue;
                n++;
                switch ((MilterResponse.Modification) r) {
                    case MilterResponse.AddHeader h -> e.addHeader(h.name(), value(h.value()));
                    case MilterResponse.InsertHeader h -> e.insertHeader(h.index(), h.name(), value(h.value()));
                    case MilterResponse.ChangeHeader h -> {
                        // libmilter counts occurrences from 1; 0 is taken as the first, as the MTAs do
                        if (h.index() > 1) {
                            unsupported.add("change of occurrence " + h.index() + " of " + h.name());
                        } else if (h.isDelete()) {
                            e.removeFirstHeader(h.name());
                        } else {
                            e.modifyHeader(h.name(), value(h.value()));
                        }
                    }
                    case MilterResponse.AddRecipient a -> e.addRcpt(a.rcpt());
                    case MilterResponse.AddRecipientWithArgs a -> {
                        e.addRcpt(a.rcpt());
                        if (!a.esmtpArgs().isEmpty()) unsupported.add("ESMTP arguments '" + a.esmtpArgs() + "' of added recipient " + a.rcpt());
                    }
                    case MilterResponse.DeleteRecipient d -> e.discardRcpt(d.rcpt());
                    case MilterResponse.ChangeFrom f -> {
                        e.changeFrom(f.sender());
                        if (!f.esmtpArgs().isEmpty()) unsupported.add("ESMTP arguments '" + f.esmtpArgs() + "' of the new sender");
                    }
                    case MilterResponse.ReplaceBody b -> {
                        if (bodyOut == null) {
                            body = Files.createTempFile(tempDirectory, "mailgate-milter-body-", ".tmp");
                            bodyOut = Files.newOutputStream(body);
                        }
                        bodyOut.write(b.chunk());
                    }
                    case MilterResponse.Quarantine q -> e.quarantine(q.reason());
                }
            }
        } finally {
            if (bodyOut != null) bodyOut.close();
        }
        if (body != null) e.replaceBody(fileBody(body));
        return new Applied(n, unsupported, body);
    }

    /** Folded values arrive with CRLF or LF between lines; the editor takes LF. */
    private static String value(String v) {
        return v.replace("\r\n", "\n").replace("\r", "");
    }

    private static MessageBody fileBody(Path file) {
        return new MessageBody() {
            public long size() {
                try {
                    return Files.size(file);
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            }

            public InputStream open() throws IOException {
                return Files.newInputStream(file);
            }
        };
    }
}
