// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external;

import java.net.SocketTimeoutException;

/**
 * A scanner did not answer within the filter's own I/O deadline. A {@link SocketTimeoutException},
 * so the chain counts it as a timeout ({@code <NAME>_TIMEOUT}, {@code <name>.result = timeout}).
 */
public final class ScannerTimeoutException extends SocketTimeoutException {
    public ScannerTimeoutException(String message, Throwable cause) {
        super(message);
        if (cause != null) initCause(cause);
    }
}
