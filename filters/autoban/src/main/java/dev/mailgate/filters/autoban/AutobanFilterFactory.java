// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.autoban;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.state.ClientKeys;
import dev.mailgate.state.KeyValueStore;
import dev.mailgate.state.NetworkList;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

/** Builds the {@code autoban} filter; see the package documentation for its settings. */
public final class AutobanFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "autoban";
    }

    @Override
    public String description() {
        return "bans a client after repeated refused messages (hMailServer's auto-ban), shared through the store";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("strikes", "maxStrikes", "window", "banFor", "action", "exempt", "exemptAuthenticated", "ipv4Prefix", "ipv6Prefix", "reply");
        Set<String> strikes = new LinkedHashSet<>();
        for (String f : s.strings("strikes")) {
            if (!f.matches("[A-Z][A-Z0-9_]*")) throw s.invalid("strikes", "a finding is written in UPPER_SNAKE case, not '" + f + "'");
            strikes.add(f);
        }
        if (strikes.isEmpty()) throw s.invalid("strikes", "name the findings that count as a strike, e.g. [RATELIMIT_EXCEEDED, NO_SUCH_USER]");
        long max = s.integer("maxStrikes", 5);
        if (max < 1) throw s.invalid("maxStrikes", "must be 1 or more");
        Duration window = positive(s, "window", Duration.ofMinutes(30));
        Duration banFor = positive(s, "banFor", Duration.ofHours(1));
        String action = s.string("action", "tempreject");
        if (!action.equals("tempreject") && !action.equals("reject")) throw s.invalid("action", "tempreject or reject, not '" + action + "'");
        boolean reject = action.equals("reject");
        String reply = s.string("reply").orElse(null);
        if (reply != null) {
            SmtpReply r;
            try {
                r = SmtpReply.parse(reply, reject ? 554 : 451);
            } catch (IllegalArgumentException e) {
                throw s.invalid("reply", "invalid reply: " + e.getMessage());
            }
            if (reject != r.isPermanent()) throw s.invalid("reply", "action: " + action + " needs a " + (reject ? "5xx" : "4xx") + " reply");
        }
        AutobanFilter.Options options = new AutobanFilter.Options(s.name(), Set.copyOf(strikes), max, window, banFor, reject,
                NetworkList.from(s, "exempt", services), s.bool("exemptAuthenticated", true), ClientKeys.from(s, 32, 64), reply);
        return new AutobanFilter(options, services.service(KeyValueStore.class), services.clock());
    }

    private static Duration positive(FilterSettings s, String key, Duration def) {
        Duration d = s.duration(key, def);
        if (d.isZero() || d.isNegative()) throw s.invalid(key, "must be longer than 0");
        return d;
    }
}
