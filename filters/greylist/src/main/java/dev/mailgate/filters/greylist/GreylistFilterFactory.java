// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.greylist;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Stage;
import dev.mailgate.state.ClientKeys;
import dev.mailgate.state.KeyValueStore;
import dev.mailgate.state.NetworkList;
import java.time.Duration;

/** Builds the {@code greylist} filter; see the package documentation for its settings. */
public final class GreylistFilterFactory implements FilterFactory {
    @Override
    public String type() {
        return "greylist";
    }

    @Override
    public String description() {
        return "greylisting of (client network, sender, recipient) triplets, shared through the store";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("stage", "delay", "retryWindow", "passLifetime", "autoWhitelist", "ipv4Prefix", "ipv6Prefix",
                "whitelistNetworks", "whitelistSenderDomains", "whitelistRecipients", "skipAuthenticated", "reply");
        String stageName = s.string("stage", "onRcptTo");
        Stage stage = switch (stageName) {
            case "onRcptTo" -> Stage.RCPT_TO;
            case "onDataReceived" -> Stage.DATA_RECEIVED;
            default -> throw s.invalid("stage", "greylisting runs at onRcptTo or onDataReceived, not '" + stageName + "'");
        };
        Duration delay = positive(s, "delay", Duration.ofMinutes(5));
        Duration window = positive(s, "retryWindow", Duration.ofDays(2));
        if (window.compareTo(delay) <= 0) throw s.invalid("retryWindow", "must be longer than the delay (" + delay.toSeconds() + " s)");
        Duration lifetime = positive(s, "passLifetime", Duration.ofDays(36));
        long awl = s.integer("autoWhitelist", 5);
        if (awl < 0) throw s.invalid("autoWhitelist", "must be 0 (off) or more");
        String reply = s.string("reply").orElse(null);
        if (reply != null) {
            try {
                if (!SmtpReply.parse(reply, 451).isTemporary()) throw s.invalid("reply", "a greylisting reply must be 4xx");
            } catch (IllegalArgumentException e) {
                throw s.invalid("reply", "invalid reply: " + e.getMessage());
            }
        }
        ClientKeys keys = ClientKeys.from(s, 24, 64);
        Whitelist whitelist = new Whitelist(NetworkList.from(s, "whitelistNetworks", services),
                s.strings("whitelistSenderDomains"), s.strings("whitelistRecipients"));
        GreylistFilter.Options options = new GreylistFilter.Options(stage, new TripletRules(delay, window, lifetime), awl, keys,
                whitelist, s.bool("skipAuthenticated", true), reply);
        return new GreylistFilter(options, services.service(KeyValueStore.class), services.clock());
    }

    private static Duration positive(FilterSettings s, String key, Duration def) {
        Duration d = s.duration(key, def);
        if (d.isZero() || d.isNegative()) throw s.invalid(key, "must be longer than 0");
        return d;
    }
}
