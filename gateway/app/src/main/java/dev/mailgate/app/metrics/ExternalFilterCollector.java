// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app.metrics;

import dev.mailgate.core.chain.ChainEntry;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.filters.external.Health;
import dev.mailgate.metrics.Collector;
import dev.mailgate.metrics.TextWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * The health of the external filters (clamd, spamd, rspamd, milter, command) of the current
 * policy, in the chain or declared for addFilter. Their counters are kept by filter name across
 * reloads ({@link Health}); a filter the policy no longer has is no longer exported.
 */
final class ExternalFilterCollector implements Collector {
    private final Supplier<Policy> current;

    ExternalFilterCollector(Supplier<Policy> current) {
        this.current = current;
    }

    @Override
    public void collect(TextWriter out) {
        Policy p = current.get();
        List<ChainEntry> entries = new ArrayList<>(p.chain());
        entries.addAll(p.addedFilters().values());
        Map<String, Row> rows = new TreeMap<>();
        for (ChainEntry e : entries) {
            Health.find(e.name()).ifPresent(h -> rows.put(e.name(), new Row(e.type(), h.counts())));
        }
        write(out, rows, "mailgate_external_answered_total", "Checks the external service answered.", Health.Counts::answered);
        write(out, rows, "mailgate_external_hits_total", "Answers that found something (a virus, spam, a reject).", Health.Counts::hits);
        write(out, rows, "mailgate_external_failed_total", "Checks that failed other than by a timeout (the filter's onError applied).",
                Health.Counts::errors);
        write(out, rows, "mailgate_external_timeouts_total", "Checks that timed out (the filter's onError applied).", Health.Counts::timeouts);
        write(out, rows, "mailgate_external_skipped_total", "Messages not checked on purpose (larger than maxSize).", Health.Counts::skipped);
        out.family("mailgate_external_up", TextWriter.Type.GAUGE, "0 while the external service's last check failed, else 1.");
        rows.forEach((name, r) -> out.sample(r.counts().failing() ? 0 : 1, "filter", name, "type", r.type()));
    }

    private record Row(String type, Health.Counts counts) {}

    private static void write(TextWriter out, Map<String, Row> rows, String name, String help,
                              java.util.function.ToLongFunction<Health.Counts> value) {
        out.family(name, TextWriter.Type.COUNTER, help);
        rows.forEach((filter, r) -> out.sample(value.applyAsLong(r.counts()), "filter", filter, "type", r.type()));
    }
}
