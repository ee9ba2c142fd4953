// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.ratelimit;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.filters.ratelimit.RateLimitFilter.Action;
import dev.mailgate.state.ClientKeys;
import dev.mailgate.state.KeyValueStore;
import dev.mailgate.state.NetworkList;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Builds the {@code ratelimit} filter; see the package documentation for its settings. */
public final class RateLimitFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "ratelimit";
    }

    @Override
    public String description() {
        return "sliding-window rate limits per client, network, sender, domain, recipient or user, shared through the store";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("per", "limit", "window", "count", "action", "exempt", "ipv4Prefix", "ipv6Prefix", "reply");
        List<Dimension> per = new ArrayList<>();
        for (String name : s.strings("per")) {
            Dimension d = Dimension.bySetting(name).orElseThrow(() -> s.invalid("per", "unknown dimension '" + name + "' (" + Dimension.names() + ")"));
            if (!per.contains(d)) per.add(d);
        }
        if (per.isEmpty()) throw s.invalid("per", "say what to count per: " + Dimension.names());
        if (!s.keys().contains("limit")) throw s.invalid("limit", "a rate limit needs limit: (units per window)");
        long limit = s.integer("limit", 0);
        if (limit < 1) throw s.invalid("limit", "must be 1 or more");
        if (!s.keys().contains("window")) throw s.invalid("window", "a rate limit needs window: (e.g. 1h)");
        Duration window = s.duration("window", Duration.ZERO);
        if (window.toMillis() < 1000) throw s.invalid("window", "must be at least 1s");
        String count = s.string("count", per.contains(Dimension.RECIPIENT) ? "recipients" : "messages");
        if (!count.equals("messages") && !count.equals("recipients")) throw s.invalid("count", "messages or recipients, not '" + count + "'");
        boolean perRecipient = count.equals("recipients");
        if (per.contains(Dimension.RECIPIENT) && !perRecipient) throw s.invalid("count", "per recipient counts recipients (count: recipients)");
        Action action = switch (s.string("action", "tempreject")) {
            case "tempreject" -> Action.TEMPREJECT;
            case "reject" -> Action.REJECT;
            case "continue" -> Action.CONTINUE;
            default -> throw s.invalid("action", "tempreject, reject or continue (report only)");
        };
        String reply = s.string("reply").orElse(null);
        if (reply != null) checkReply(s, reply, action);
        return new RateLimitFilter(new RateLimitFilter.Options(s.name(), List.copyOf(per), limit, window, perRecipient, action,
                NetworkList.from(s, "exempt", services), ClientKeys.from(s, 24, 64), reply), services.service(KeyValueStore.class));
    }

    private static void checkReply(FilterSettings s, String reply, Action action) {
        if (action == Action.CONTINUE) throw s.invalid("reply", "action: continue sends no reply");
        SmtpReply r;
        try {
            r = SmtpReply.parse(reply, action == Action.REJECT ? 550 : 451);
        } catch (IllegalArgumentException e) {
            throw s.invalid("reply", "invalid reply: " + e.getMessage());
        }
        if (action == Action.REJECT && !r.isPermanent()) throw s.invalid("reply", "action: reject needs a 5xx reply");
        if (action == Action.TEMPREJECT && !r.isTemporary()) throw s.invalid("reply", "action: tempreject needs a 4xx reply");
    }
}
