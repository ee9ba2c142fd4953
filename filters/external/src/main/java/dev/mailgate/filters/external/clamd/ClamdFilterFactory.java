// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.clamd;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.filters.external.Reaction;
import dev.mailgate.filters.external.Settings;

/** Builds the {@code clamd} filter; see the package documentation for its settings. */
public final class ClamdFilterFactory implements FilterFactory {
    static final long DEFAULT_MAX_SIZE = 25L << 20; // clamav-milter's MaxFileSize

    @Override
    public String type() {
        return "clamd";
    }

    @Override
    public String description() {
        return "virus scan with clamd (INSTREAM over a unix socket or TCP)";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("address", "maxSize", "ioTimeout", "connectTimeout", "onInfected", "reply", "headers", "scannedBy", "maxIdleConnections");
        var address = Settings.address(s, 3310);
        long maxIdle = s.integer("maxIdleConnections", 4);
        if (maxIdle < 0 || maxIdle > 1000) throw s.invalid("maxIdleConnections", "must be between 0 (no reuse) and 1000");
        Reaction onInfected = Reaction.parse(s, "onInfected", Reaction.Kind.REJECT, "reply", "554 5.7.1 Message rejected: virus {virus} found");
        ClamdClient client = new ClamdClient(address, Settings.connectTimeout(s), Settings.ioTimeout(s), (int) maxIdle);
        return new ClamdFilter(s.name(), client, Settings.maxSize(s, DEFAULT_MAX_SIZE), onInfected, Settings.headerMode(s),
                s.string("scannedBy", "ClamAV via mailgate"));
    }
}
