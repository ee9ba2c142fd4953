// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.nio.file.Path;
import java.time.InstantSource;

/** Shared services a filter may use; injected so tests can replace them. */
public interface FilterServices {
    /** The clock; tests use a fake one and never sleep. */
    InstantSource clock();

    /** Directory for temporary files (spilled bodies, scanner input). */
    Path tempDirectory();

    /** Named IP ranges from the policy's {@code networks:} section. */
    NetworkSets networks();

    /**
     * A shared service (DNS resolver, key-value store, ...), created from the policy's
     * {@code services:} section by its {@link ServiceFactory}.
     *
     * @throws IllegalStateException if no factory provides {@code type}
     */
    <T> T service(Class<T> type);
}
