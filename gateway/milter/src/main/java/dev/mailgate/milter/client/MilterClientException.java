// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import java.io.IOException;

/**
 * A milter conversation failed: the connection could not be opened or was lost, the milter did
 * not answer in time, or it answered out of protocol (unsolicited packet, an edit outside
 * end-of-message, a wrong packet type). The connection is closed when this happens.
 */
public class MilterClientException extends IOException {
    private static final long serialVersionUID = 1L;

    /** Creates an exception with a message. */
    public MilterClientException(String message) {
        super(message);
    }

    /** Creates an exception with a message and a cause. */
    public MilterClientException(String message, Throwable cause) {
        super(message, cause);
    }
}
