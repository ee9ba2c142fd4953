// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import static dev.mailgate.api.StandardVars.REMOTE_SMTP_IP;

import dev.mailgate.api.Filter;
import dev.mailgate.api.FilterContext;
import dev.mailgate.api.IpNetwork;
import dev.mailgate.api.SmtpReply;
import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import dev.mailgate.api.Verdict;
import java.io.IOException;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;

/**
 * Axigen's {@code checkGeoIp} at onConnect: looks the client's IP up in a country database, sets
 * GeoIPResult and IsGeoIPBanned (from AllowedCountries / BannedCountries), reports
 * {@code GEOIP_UNKNOWN} / {@code GEOIP_BANNED}, and refuses a banned client if ActionGeoIPBan says
 * so. Private and other non-global addresses are never looked up and never banned.
 *
 * <p>A lookup is a few microseconds of memory-mapped reads with no I/O wait (the load already
 * touched every page of the tree), so the filter runs on the event loop. A lookup that fails (a
 * damaged record the load-time check could not see) throws, and the chain applies the filter's
 * {@code onError}: it is never taken as "not banned".
 */
public final class GeoipFilter implements Filter {
    /** What ActionGeoIPBan does with a banned client. */
    enum Action {
        REJECT("reject"), TEMPREJECT("tempreject"), REPORT("report");

        final String word;

        Action(String word) {
            this.word = word;
        }
    }

    /** The placeholder a reply text may use for the client's country. */
    static final String COUNTRY_PLACEHOLDER = "${GeoIPResult}";

    private final CountryDatabase database;
    private final CountryRules rules;
    private final Action action;
    private final String replyText;
    private final boolean useRegisteredCountry;

    GeoipFilter(CountryDatabase database, CountryRules rules, Action action, String replyText, boolean useRegisteredCountry) {
        this.database = database;
        this.rules = rules;
        this.action = action;
        this.replyText = replyText;
        this.useRegisteredCountry = useRegisteredCountry;
    }

    /**
     * Where the client is.
     *
     * @param status  how the answer was reached
     * @param country ISO code, "" if unknown
     * @param answer  the database's answer ({@link CountryAnswer#NOT_FOUND} when not looked up)
     */
    record Placement(LookupStatus status, String country, CountryAnswer answer) {}

    @Override
    public Set<Stage> stages() {
        return Set.of(Stage.CONNECT);
    }

    /** Only sets variables (and reports) unless a ban can refuse the connection. */
    @Override
    public boolean decidesAt(Stage stage) {
        return stage == Stage.CONNECT && action != Action.REPORT && rules.canBan();
    }

    @Override
    public List<Var<?>> provides() {
        return GeoipVars.ALL;
    }

    @Override
    public boolean blocking() {
        return false;
    }

    @Override
    public Verdict onConnect(FilterContext ctx) throws IOException {
        ctx.set(GeoipVars.ALLOWED_COUNTRIES, rules.allowed());
        ctx.set(GeoipVars.BANNED_COUNTRIES, rules.banned());
        ctx.set(GeoipVars.ACTION_GEOIP_BAN, action.word);
        String ip = ctx.get(REMOTE_SMTP_IP);
        Placement p = place(ip);
        ctx.set(GeoipVars.GEOIP_RESULT, p.country());
        ctx.set(GeoipVars.STATUS, p.status().word());
        ctx.set(GeoipVars.REGISTERED_COUNTRY, p.answer().registeredCountry());
        ctx.set(GeoipVars.NETWORK, p.answer().network());
        if (p.status().isUnknown()) ctx.report("GEOIP_UNKNOWN", ip + ": " + p.status().word());
        boolean banned = p.status() != LookupStatus.PRIVATE && p.status() != LookupStatus.NO_ADDRESS && rules.bans(p.country());
        ctx.set(GeoipVars.IS_GEOIP_BANNED, banned);
        if (!banned) return Verdict.CONTINUE;
        ctx.report("GEOIP_BANNED", ip + ": " + rules.reason(p.country()));
        return switch (action) {
            case REJECT -> new Verdict.Reject(reply(p.country(), 554), false);
            case TEMPREJECT -> new Verdict.TempReject(reply(p.country(), 451), false);
            case REPORT -> Verdict.CONTINUE;
        };
    }

    /** Places a client IP (text, as in remoteSmtpIp). */
    Placement place(String ip) throws IOException {
        byte[] bytes = IpNetwork.literal(ip);
        if (bytes == null) return new Placement(LookupStatus.NO_ADDRESS, "", CountryAnswer.NOT_FOUND);
        if (NonGlobalAddresses.contains(bytes)) return new Placement(LookupStatus.PRIVATE, "", CountryAnswer.NOT_FOUND);
        CountryAnswer a = database.lookup(InetAddress.getByAddress(bytes));
        if (!a.found()) return new Placement(LookupStatus.NOT_FOUND, "", a);
        if (!a.country().isEmpty()) return new Placement(LookupStatus.COUNTRY, a.country(), a);
        if (useRegisteredCountry && !a.registeredCountry().isEmpty()) {
            return new Placement(LookupStatus.REGISTERED_COUNTRY, a.registeredCountry(), a);
        }
        return new Placement(LookupStatus.NO_COUNTRY, "", a);
    }

    private SmtpReply reply(String country, int defaultCode) {
        return SmtpReply.parse(replyText.replace(COUNTRY_PLACEHOLDER, country.isEmpty() ? "unknown" : country), defaultCode);
    }
}
