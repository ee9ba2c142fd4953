// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.FilterServices;
import dev.mailgate.api.NetworkSets;
import dev.mailgate.api.ServiceFactory;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * The services of one loaded policy: clock, temp directory, network sets, and the shared
 * services built on demand by {@link ServiceFactory}s from the {@code services:} section. Closing
 * it closes every service that was created.
 */
public final class Services implements FilterServices, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Services.class);

    private final InstantSource clock;
    private final Path tempDirectory;
    private final NetworkSets networks;
    private final Map<Class<?>, ServiceFactory<?>> factories = new LinkedHashMap<>();
    private final Map<String, YamlFilterSettings> settings;
    private final Map<Class<?>, Object> created = new LinkedHashMap<>();

    Services(InstantSource clock, Path tempDirectory, NetworkSets networks, Iterable<ServiceFactory<?>> available,
             Map<String, YamlFilterSettings> settings) {
        this.clock = clock;
        this.tempDirectory = tempDirectory;
        this.networks = networks;
        this.settings = settings;
        for (ServiceFactory<?> f : available) factories.putIfAbsent(f.type(), f);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static Iterable<ServiceFactory<?>> discover() {
        List<ServiceFactory<?>> l = new ArrayList<>();
        for (ServiceFactory f : ServiceLoader.load(ServiceFactory.class)) l.add(f);
        return l;
    }

    /** The keys the factories know (to check the {@code services:} section). */
    static List<String> keys(Iterable<ServiceFactory<?>> available) {
        List<String> keys = new ArrayList<>();
        for (ServiceFactory<?> f : available) keys.add(f.key());
        return keys;
    }

    @Override
    public InstantSource clock() {
        return clock;
    }

    @Override
    public Path tempDirectory() {
        return tempDirectory;
    }

    @Override
    public NetworkSets networks() {
        return networks;
    }

    @Override
    public synchronized <T> T service(Class<T> type) {
        Object existing = created.get(type);
        if (existing != null) return type.cast(existing);
        ServiceFactory<?> f = factories.get(type);
        if (f == null) throw new IllegalStateException("no service of type " + type.getName() + " is installed");
        YamlFilterSettings s = settings.get(f.key());
        Object service = f.create(s != null ? s : YamlFilterSettings.empty(f.key()), this);
        created.put(type, service);
        return type.cast(service);
    }

    /**
     * The service of {@code type} if this policy has created it, without creating it: metrics
     * read a resolver or a store that filters use, and must not start one that nobody uses.
     * Empty once the services are closed.
     */
    public synchronized <T> java.util.Optional<T> existing(Class<T> type) {
        return java.util.Optional.ofNullable(created.get(type)).map(type::cast);
    }

    /** Creates every configured service, so that a bad section is refused at load even if unused. */
    void createConfigured() {
        for (ServiceFactory<?> f : factories.values()) {
            if (settings.containsKey(f.key())) service(f.type());
        }
    }

    @Override
    public synchronized void close() {
        for (Object s : created.values()) {
            if (s instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    LOG.warn("closing service {} failed: {}", s.getClass().getSimpleName(), e.toString());
                }
            }
        }
        created.clear();
    }

    /** For the loader: the node of a service section, for errors. */
    static Node node(Yaml.Entry e) {
        return e.value();
    }
}
