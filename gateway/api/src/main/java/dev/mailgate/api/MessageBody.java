// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.io.IOException;
import java.io.InputStream;

/**
 * A message body that may live on disk: open it as often as needed, never assume it fits the heap.
 * Lines end in CRLF as on the wire (dot-unstuffed).
 */
public interface MessageBody {
    /** Size in bytes. */
    long size();

    /** A fresh stream over the whole body; the caller closes it. */
    InputStream open() throws IOException;
}
