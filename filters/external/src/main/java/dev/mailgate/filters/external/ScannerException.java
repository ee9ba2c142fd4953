// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import java.io.IOException;

/**
 * A scanner could not give an answer: unreachable, refused, or a broken protocol (a timeout is a
 * {@link ScannerTimeoutException}). The message says which scanner and why, in one line, because
 * the chain logs exactly this text once.
 */
public final class ScannerException extends IOException {
    public ScannerException(String message, Throwable cause) {
        super(message, cause);
    }

    public ScannerException(String message) {
        super(message);
    }
}
