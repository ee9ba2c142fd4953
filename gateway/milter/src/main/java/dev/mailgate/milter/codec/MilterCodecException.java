// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import io.netty.handler.codec.DecoderException;

/**
 * A milter packet could not be framed or decoded: bad length, unknown code or a malformed payload.
 * The message names the packet and what exactly is wrong. After this exception the byte stream
 * can no longer be trusted, so the channel should be closed (the frame decoder discards
 * everything that arrives afterwards).
 */
public class MilterCodecException extends DecoderException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message describing the malformed input. */
    public MilterCodecException(String message) {
        super(message);
    }

    /** Creates an exception with a message and the cause (e.g. a record validation failure). */
    public MilterCodecException(String message, Throwable cause) {
        super(message, cause);
    }
}
