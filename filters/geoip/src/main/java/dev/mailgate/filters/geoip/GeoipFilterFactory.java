// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterFactory;
import dev.mailgate.api.FilterServices;
import dev.mailgate.api.FilterSettings;
import dev.mailgate.api.SmtpReply;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Builds the {@code geoip} filter; opens and verifies its database while the policy loads. */
public final class GeoipFilterFactory implements FilterFactory {
    private static final Logger LOG = LoggerFactory.getLogger(GeoipFilterFactory.class);
    /** Country data goes stale as networks move; older than this earns a warning at load. */
    static final Duration STALE_AFTER = Duration.ofDays(180);

    @Override
    public String type() {
        return "geoip";
    }

    @Override
    public String description() {
        return "checkGeoIp: client country (GeoIPResult), AllowedCountries / BannedCountries at onConnect";
    }

    @Override
    public Filter create(FilterSettings s, FilterServices services) {
        s.allowOnly("database", "format", "allowedCountries", "bannedCountries", "action", "reply", "unknown", "useRegisteredCountry");
        Optional<DatabaseFormat> format = format(s);
        List<String> allowed = countries(s, "allowedCountries");
        List<String> banned = countries(s, "bannedCountries");
        for (String c : banned) {
            if (allowed.contains(c)) throw s.invalid("bannedCountries", c + " is both allowed and banned");
        }
        String unknown = s.string("unknown", "allow");
        if (!unknown.equals("allow") && !unknown.equals("ban")) throw s.invalid("unknown", "must be allow or ban, not '" + unknown + "'");
        GeoipFilter.Action action = action(s);
        String reply = reply(s, action);
        DatabaseLoader.Loaded db = load(s, services, format);
        warnIfStale(db.info(), services.clock().instant());
        LOG.info("geoip filter '{}': {}", s.name(), db.info());
        return new GeoipFilter(db.database(), new CountryRules(allowed, banned, unknown.equals("ban")), action, reply,
                s.bool("useRegisteredCountry", true));
    }

    private static DatabaseLoader.Loaded load(FilterSettings s, FilterServices services, Optional<DatabaseFormat> format) {
        try {
            Optional<String> file = s.string("database");
            return file.isPresent()
                    ? DatabaseLoader.open(Path.of(file.get()), format)
                    : DatabaseLoader.openShipped(services.tempDirectory(), format);
        } catch (GeoipDatabaseException | java.nio.file.InvalidPathException e) {
            throw s.invalid("database", e.getMessage());
        }
    }

    private static Optional<DatabaseFormat> format(FilterSettings s) {
        String w = s.string("format", "auto");
        if (w.equals("auto")) return Optional.empty();
        return Optional.of(DatabaseFormat.byWord(w).orElseThrow(() -> s.invalid("format",
                "must be auto, " + String.join(", ", Arrays.stream(DatabaseFormat.values()).map(DatabaseFormat::word).toList())
                        + ", not '" + w + "'")));
    }

    private static List<String> countries(FilterSettings s, String key) {
        List<String> codes = new ArrayList<>();
        for (String raw : s.strings(key)) {
            String c = raw.strip().toUpperCase(Locale.ROOT);
            if (!c.matches("[A-Z]{2}")) throw s.invalid(key, "'" + raw + "' is not a two-letter ISO 3166-1 country code");
            if (!codes.contains(c)) codes.add(c);
        }
        return codes;
    }

    private static GeoipFilter.Action action(FilterSettings s) {
        String w = s.string("action", "reject");
        return Arrays.stream(GeoipFilter.Action.values()).filter(a -> a.word.equals(w)).findFirst()
                .orElseThrow(() -> s.invalid("action", "must be reject, tempreject or report, not '" + w + "'"));
    }

    /** The reply text, checked now (with a sample country) so that a ban never meets a bad reply. */
    private static String reply(FilterSettings s, GeoipFilter.Action action) {
        if (action == GeoipFilter.Action.REPORT) {
            if (s.string("reply").isPresent()) throw s.invalid("reply", "action report never replies; remove reply or change action");
            return "";
        }
        boolean reject = action == GeoipFilter.Action.REJECT;
        String text = s.string("reply", reject
                ? "554 5.7.1 Connections from your country (" + GeoipFilter.COUNTRY_PLACEHOLDER + ") are not accepted"
                : "451 4.7.1 Connections from your country (" + GeoipFilter.COUNTRY_PLACEHOLDER + ") are not accepted now");
        SmtpReply sample;
        try {
            sample = SmtpReply.parse(text.replace(GeoipFilter.COUNTRY_PLACEHOLDER, "XX"), reject ? 554 : 451);
        } catch (IllegalArgumentException e) {
            throw s.invalid("reply", e.getMessage());
        }
        if (reject && !sample.isPermanent()) throw s.invalid("reply", "action reject needs a 5xx reply, not " + sample.code());
        if (!reject && !sample.isTemporary()) throw s.invalid("reply", "action tempreject needs a 4xx reply, not " + sample.code());
        return text;
    }

    private static void warnIfStale(DatabaseInfo info, Instant now) {
        Duration age = Duration.between(info.builtAt(), now);
        if (age.compareTo(STALE_AFTER) > 0) {
            LOG.warn("geoip database {} was built {} days ago: country data goes stale, refresh it (see geoip-data/README.md)",
                    info.name(), age.toDays());
        }
    }
}
