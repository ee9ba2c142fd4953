// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.milter;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.filters.external.Settings;
import dev.mailgate.milter.client.MilterAddress;
import java.time.Duration;

/** Builds the {@code milter} filter; see the package documentation for its settings. */
public final class MilterFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "milter";
    }

    @Override
    public String description() {
        return "a downstream milter (OpenDKIM, OpenDMARC, another gateway): stages forwarded, its verdicts and changes merged";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("address", "connectTimeout", "ioTimeout", "maxIdleConnections");
        String text = s.string("address").orElseThrow(() -> s.invalid("address", "an address is required (inet:host:port or unix:/path)"));
        MilterAddress address;
        try {
            address = MilterAddress.parse(text);
        } catch (IllegalArgumentException e) {
            throw s.invalid("address", e.getMessage());
        }
        Duration io = Settings.ioTimeout(s);
        // off by default: libmilter-based milters (OpenDKIM 2.11) stop answering after SMFIC_QUIT_NC
        long maxIdle = s.integer("maxIdleConnections", 0);
        if (maxIdle < 0 || maxIdle > 1000) throw s.invalid("maxIdleConnections", "must be between 0 (no reuse) and 1000");
        // without ioTimeout the chain's deadline bounds each stage; the client's own limit is only a backstop
        Connections c = new Connections(s.name(), address, Settings.connectTimeout(s), io == null ? Duration.ofMinutes(10) : io, (int) maxIdle);
        return new MilterFilter(s.name(), c, services.tempDirectory());
    }
}
