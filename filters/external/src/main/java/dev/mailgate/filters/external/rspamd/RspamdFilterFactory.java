// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.rspamd;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.filters.external.ScannerAddress;
import dev.mailgate.filters.external.Settings;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;

/** Builds the {@code rspamd} filter; see the package documentation for its settings. */
public final class RspamdFilterFactory implements FilterFactory {
    static final long DEFAULT_MAX_SIZE = 50L << 20; // rspamd's own max_message default

    @Override
    public String type() {
        return "rspamd";
    }

    @Override
    public String description() {
        return "spam check with rspamd (HTTP /checkv2), its action and header changes applied";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("address", "maxSize", "ioTimeout", "connectTimeout", "onReject", "onSoftReject", "onGreylist", "onAddHeader",
                "onRewriteSubject", "reply", "tempReply", "milterHeaders", "subjectTag", "settingsId", "password");
        String text = s.string("address").orElseThrow(() -> s.invalid("address", "an address is required (http://127.0.0.1:11333 or inet:host:port)"));
        URI base;
        try {
            if (text.startsWith("http://") || text.startsWith("https://")) {
                base = URI.create(text.endsWith("/") ? text : text + "/");
                if (base.getHost() == null) throw new IllegalArgumentException("no host in '" + text + "'");
            } else {
                ScannerAddress a = ScannerAddress.parse(text, 11333);
                if (a.isUnix()) throw new IllegalArgumentException("rspamd is reached over HTTP on TCP; unix sockets are not supported");
                String host = a.host().contains(":") ? "[" + a.host() + "]" : a.host();
                base = URI.create("http://" + host + ":" + a.port() + "/");
            }
        } catch (IllegalArgumentException e) {
            throw s.invalid("address", e.getMessage());
        }
        Map<String, String> fixed = new LinkedHashMap<>();
        s.string("settingsId").ifPresent(v -> fixed.put("Settings-ID", v));
        s.string("password").ifPresent(v -> fixed.put("Password", v));
        RspamdClient client = new RspamdClient(base, Settings.connectTimeout(s), Settings.ioTimeout(s), fixed);
        return new RspamdFilter(s.name(), client, Settings.maxSize(s, DEFAULT_MAX_SIZE), ActionMap.parse(s), s.bool("milterHeaders", true),
                s.string("subjectTag", "***SPAM***"));
    }
}
