// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

/**
 * How a store is doing.
 *
 * @param backend   {@code memory} or {@code redis}
 * @param shared    true if operations currently reach the shared backend (always false for memory)
 * @param failures  operations the shared backend failed (timeouts, connection errors) since start
 * @param fallbacks operations answered from local memory because the shared backend was unavailable
 */
public record StoreHealth(String backend, boolean shared, long failures, long fallbacks) {}
