// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Verdict;
import java.util.Set;

/** Test-only filter (found through ServiceLoader on the test class path) that reads whole bodies. */
public final class BodyProbeFilterFactory implements FilterFactory {
    public String type() {
        return "test-body-probe";
    }

    public Filter create(FilterSettings settings, FilterServices services) {
        return new Filter() {
            public Set<Stage> stages() { return Set.of(Stage.DATA_RECEIVED); }

            public boolean needsBody() { return true; }

            public Verdict onDataReceived(FilterContext ctx) throws Exception {
                try (var in = ctx.body().orElseThrow().open()) {
                    long n = in.transferTo(java.io.OutputStream.nullOutputStream());
                    ctx.edit().addHeader("X-Body-Bytes", Long.toString(n));
                }
                return Verdict.CONTINUE;
            }
        };
    }
}
