// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.FilterFactory;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The filter types available, found with {@link ServiceLoader} (or given, in tests). */
public final class FilterRegistry {
    private final Map<String, FilterFactory> byType = new TreeMap<>();

    public FilterRegistry(Iterable<FilterFactory> factories) {
        for (FilterFactory f : factories) {
            FilterFactory old = byType.put(f.type(), f);
            if (old != null && old.getClass() != f.getClass()) {
                throw new IllegalStateException("two filter factories for type '" + f.type() + "': "
                        + old.getClass().getName() + " and " + f.getClass().getName());
            }
        }
    }

    /** Every factory on the class path. */
    public static FilterRegistry discover() {
        return new FilterRegistry(ServiceLoader.load(FilterFactory.class));
    }

    public Optional<FilterFactory> find(String type) {
        return Optional.ofNullable(byType.get(type));
    }

    public Collection<FilterFactory> all() {
        return byType.values();
    }
}
