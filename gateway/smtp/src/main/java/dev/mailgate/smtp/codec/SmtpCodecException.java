// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.smtp.codec;

import io.netty.handler.codec.DecoderException;

/**
 * The client broke SMTP framing (line too long, bare CR or LF, ...). Carries the reply the
 * client is given before the connection is closed: after a framing error the proxy can no longer
 * know where a command or a message ends, so it never tries to resynchronise.
 */
public final class SmtpCodecException extends DecoderException {
    private final String reply;

    public SmtpCodecException(String reply) {
        super(reply);
        this.reply = reply;
    }

    /** The full reply line without CRLF, e.g. {@code 500 5.5.2 Error: bare <LF> received}. */
    public String reply() {
        return reply;
    }
}
