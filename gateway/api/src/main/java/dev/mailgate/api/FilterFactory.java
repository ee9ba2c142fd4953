// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

/**
 * Creates a filter from its YAML settings. Implementations are found with
 * {@link java.util.ServiceLoader} ({@code META-INF/services/dev.mailgate.api.FilterFactory}); the
 * {@link #type()} is the key used in the policy's {@code filters:} list.
 */
public interface FilterFactory {
    /** The filter type, lowercase kebab: {@code networks}, {@code limits}, {@code dnsbl}. */
    String type();

    /** One-line description for {@code gateway check}. */
    default String description() {
        return type();
    }

    /**
     * Builds a filter. Invalid settings are reported with {@link FilterSettings#invalid} so the
     * error names the policy file, line and column.
     */
    Filter create(FilterSettings settings, FilterServices services);
}
