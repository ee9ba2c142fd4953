// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import dev.mailgate.api.MessageBody;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The body of the current message for filters that read it whole: on the heap up to a limit,
 * then in a temp file, so a 50 MB message costs the same heap as a 1 MB one. The file is deleted
 * when the message ends ({@link #discard()}).
 */
final class BodyStore implements MessageBody {
    private final long memoryLimit;
    private final Path tempDirectory;
    private ByteArrayOutputStream memory = new ByteArrayOutputStream();
    private Path file;
    private OutputStream fileOut;
    private long size;

    BodyStore(long memoryLimit, Path tempDirectory) {
        this.memoryLimit = memoryLimit;
        this.tempDirectory = tempDirectory;
    }

    void append(byte[] chunk) {
        try {
            if (file == null && size + chunk.length > memoryLimit) spill();
            if (file != null) fileOut.write(chunk);
            else memory.write(chunk);
            size += chunk.length;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the message body to " + tempDirectory, e);
        }
    }

    private void spill() throws IOException {
        file = Files.createTempFile(tempDirectory, "mailgate-body-", ".tmp");
        fileOut = Files.newOutputStream(file);
        memory.writeTo(fileOut);
        memory = null;
    }

    boolean isSpilled() {
        return file != null;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public InputStream open() throws IOException {
        if (file == null) return new ByteArrayInputStream(memory.toByteArray());
        fileOut.flush();
        return Files.newInputStream(file);
    }

    /** Frees the memory and deletes the temp file. */
    void discard() {
        try {
            if (fileOut != null) fileOut.close();
            if (file != null) Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + file, e);
        } finally {
            file = null;
            fileOut = null;
            memory = new ByteArrayOutputStream();
            size = 0;
        }
    }
}
