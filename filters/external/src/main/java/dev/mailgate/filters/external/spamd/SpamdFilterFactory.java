// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.external.spamd;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.filters.external.Reaction;
import dev.mailgate.filters.external.Settings;
import java.util.Locale;

/** Builds the {@code spamd} filter; see the package documentation for its settings. */
public final class SpamdFilterFactory implements FilterFactory {
    static final long DEFAULT_MAX_SIZE = 500 * 1024; // spamc's default

    @Override
    public String type() {
        return "spamd";
    }

    @Override
    public String description() {
        return "spam check with SpamAssassin's spamd (spamc protocol)";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("address", "maxSize", "ioTimeout", "connectTimeout", "command", "user", "threshold", "onSpam", "reply",
                "rejectScore", "rejectReply", "headers", "subjectTag");
        var address = Settings.address(s, 783);
        SpamdClient.Command command;
        String c = s.string("command", "SYMBOLS");
        try {
            command = SpamdClient.Command.valueOf(c.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw s.invalid("command", "must be CHECK, SYMBOLS or REPORT, not '" + c + "'");
        }
        Double threshold = number(s, "threshold");
        Double rejectScore = number(s, "rejectScore");
        String onSpamWord = s.string("onSpam", "tag");
        SpamdFilter.OnSpam onSpam = onSpamWord.equals("tag")
                ? new SpamdFilter.OnSpam(true, null)
                : new SpamdFilter.OnSpam(false, Reaction.parse(s, "onSpam", Reaction.Kind.REJECT, "reply", "550 5.7.1 Message rejected as spam (score {score})"));
        Reaction rejectAbove = Reaction.reject(s, "rejectReply", "550 5.7.1 Message rejected as spam (score {score})");
        SpamdClient client = new SpamdClient(address, Settings.connectTimeout(s), Settings.ioTimeout(s), command, s.string("user", ""));
        return new SpamdFilter(s.name(), client, Settings.maxSize(s, DEFAULT_MAX_SIZE), threshold, onSpam, rejectScore, rejectAbove,
                Settings.headerMode(s), s.string("subjectTag", ""));
    }

    private static Double number(FilterSettings s, String key) {
        if (!s.keys().contains(key)) return null;
        String v = s.string(key).orElse("");
        try {
            return Double.parseDouble(v.strip());
        } catch (NumberFormatException e) {
            throw s.invalid(key, "must be a number, not '" + v + "'");
        }
    }
}
