// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import java.nio.file.Path;

/**
 * How message content is held ({@code message:} in the policy).
 *
 * @param memoryLimit   body bytes kept on the heap before the body spills to a temp file
 * @param tempDirectory where spilled bodies go (removed when the message ends)
 */
public record MessageSettings(long memoryLimit, Path tempDirectory) {
    public static final MessageSettings DEFAULTS = new MessageSettings(1 << 20, Path.of(System.getProperty("java.io.tmpdir")));
}
