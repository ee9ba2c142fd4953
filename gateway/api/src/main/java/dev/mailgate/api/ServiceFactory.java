// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

/**
 * Creates a shared service that filters use (a DNS resolver, a key-value store), configured under
 * {@code services: { <key>: {...} }} in the policy. Found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.mailgate.api.ServiceFactory}). A service is created once per
 * loaded policy, the first time a filter asks for it ({@link FilterServices#service(Class)}); if
 * it is {@link AutoCloseable} it is closed when that policy is retired.
 *
 * @param <T> the service interface filters ask for
 */
public interface ServiceFactory<T> {
    /** The key under {@code services:}, lowercase: {@code dns}, {@code store}. */
    String key();

    /** The type filters ask for. */
    Class<T> type();

    /**
     * Builds the service from its settings (empty when the policy has no section for it).
     * Invalid settings are reported with {@link FilterSettings#invalid}.
     */
    T create(FilterSettings settings, FilterServices services);
}
