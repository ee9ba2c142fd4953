// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.nio.file.Path;

/**
 * How message content is held ({@code message:} in the policy).
 *
 * @param memoryLimit   body bytes kept on the heap before the body spills to a temp file
 * @param tempDirectory where spilled bodies go (removed when the message ends)
 * @param maxHeaderSize bytes of header fields a message may have (each field is kept for rules and
 *                      filters until the end of data); past it the message is refused with 552
 */
public record MessageSettings(long memoryLimit, Path tempDirectory, long maxHeaderSize) {
    public static final long DEFAULT_MAX_HEADER_SIZE = 1L << 20;
    public static final MessageSettings DEFAULTS = new MessageSettings(1 << 20, Path.of(System.getProperty("java.io.tmpdir")),
            DEFAULT_MAX_HEADER_SIZE);

    public MessageSettings {
        if (maxHeaderSize < 1024) throw new IllegalArgumentException("maxHeaderSize must be at least 1KiB");
    }
}
