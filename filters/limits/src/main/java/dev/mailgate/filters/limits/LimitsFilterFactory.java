// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.limits;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;

/** Builds the {@code limits} filter. */
public final class LimitsFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "limits";
    }

    @Override
    public String description() {
        return "recipient count, message size and Received: header (loop) limits";
    }

    @Override
    public Filter create(FilterSettings settings, FilterServices services) {
        settings.allowOnly("maxRcptCount", "maxDataSize", "maxReceivedHeaders");
        long rcpt = nonNegative(settings, "maxRcptCount", 0);
        long size = nonNegative(settings, "maxDataSize", 0);
        long received = nonNegative(settings, "maxReceivedHeaders", 0);
        return new LimitsFilter(rcpt, size, received);
    }

    private static long nonNegative(FilterSettings s, String key, long def) {
        long v = s.integer(key, def);
        if (v < 0) throw s.invalid(key, "must be 0 (no limit) or more");
        return v;
    }
}
