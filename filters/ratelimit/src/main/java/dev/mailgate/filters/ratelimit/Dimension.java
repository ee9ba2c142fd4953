// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.ratelimit;

import dev.mailgate.api.FilterContext;
import dev.mailgate.api.Scope;
import dev.mailgate.api.Stage;
import dev.mailgate.api.StandardVars;
import dev.mailgate.api.Var;
import dev.mailgate.state.ClientKeys;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What a rate is counted per. Each has its variable, {@code ratelimit.<name>}, holding the count in
 * the current window (a unit over the limit is not counted). A session without a value for a
 * dimension (no IP, the null sender, not authenticated) is not counted in it.
 */
enum Dimension {
    CLIENT_IP("clientIp", "client") {
        Optional<String> value(FilterContext ctx, ClientKeys keys) {
            return nonEmpty(ctx.get(StandardVars.REMOTE_SMTP_IP));
        }
    },
    CLIENT_NETWORK("clientNetwork", "client network") {
        Optional<String> value(FilterContext ctx, ClientKeys keys) {
            return keys.network(ctx.get(StandardVars.REMOTE_SMTP_IP));
        }
    },
    SENDER("sender", "sender") {
        Optional<String> value(FilterContext ctx, ClientKeys keys) {
            return nonEmpty(ctx.get(StandardVars.MAIL_FROM_ADDR));
        }
    },
    SENDER_DOMAIN("senderDomain", "sender domain") {
        Optional<String> value(FilterContext ctx, ClientKeys keys) {
            return nonEmpty(ctx.get(StandardVars.MAIL_FROM_DOMAIN));
        }
    },
    RECIPIENT("recipient", "recipient") {
        Optional<String> value(FilterContext ctx, ClientKeys keys) {
            return nonEmpty(ctx.get(StandardVars.RCPT_TO_ADDR));
        }
    },
    AUTH_USER("authUser", "user") {
        Optional<String> value(FilterContext ctx, ClientKeys keys) {
            return nonEmpty(ctx.get(StandardVars.AUTH_USER));
        }
    };

    private final String setting;
    private final String noun;
    private final Var<Long> var;

    Dimension(String setting, String noun) {
        this.setting = setting;
        this.noun = noun;
        boolean perRecipient = setting.equals("recipient");
        this.var = Var.integer("ratelimit." + setting, perRecipient ? Scope.RECIPIENT : Scope.TRANSACTION,
                perRecipient ? Stage.RCPT_TO : Stage.MAIL_FROM, "units counted per " + noun + " in the current window");
    }

    /** The session's value for this dimension, lower case, if it has one. */
    abstract Optional<String> value(FilterContext ctx, ClientKeys keys);

    /** The name in settings and in the variable. */
    String setting() {
        return setting;
    }

    /** How a reply text names it. */
    String noun() {
        return noun;
    }

    Var<Long> var() {
        return var;
    }

    static Optional<Dimension> bySetting(String name) {
        return Arrays.stream(values()).filter(d -> d.setting.equals(name)).findFirst();
    }

    static String names() {
        return String.join(", ", Arrays.stream(values()).map(Dimension::setting).toList());
    }

    private static Optional<String> nonEmpty(String s) {
        return s == null || s.isEmpty() ? Optional.empty() : Optional.of(s.toLowerCase(Locale.ROOT));
    }
}
