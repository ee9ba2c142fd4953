// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import java.util.concurrent.CompletableFuture;

/** Sends one query and maps its outcome; the cache sits in front of it. Never throws, never blocks. */
interface DnsTransport extends AutoCloseable {
    /** {@code name} is normalized ({@link DnsNames#normalize}); the future always completes normally. */
    CompletableFuture<DnsAnswer> query(String name, DnsType type);

    @Override
    default void close() {}
}
