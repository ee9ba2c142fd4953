// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.greylist;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Store keys of the greylisting state. A triplet is the client's network, the envelope sender and
 * the recipient, lower case. The sender is normalised the way bulk senders vary it per message
 * (otherwise each retry would be a new triplet and never pass): a BATV tag
 * ({@code prvs=1234abcd=user@example.org}) is removed and runs of digits in the local part
 * ({@code bounce-12345@}, VERP) become {@code #}.
 */
final class Triplets {
    private static final Pattern BATV = Pattern.compile("^(?:prvs|btv1|msprvs1)=[^=]*=", Pattern.CASE_INSENSITIVE);
    private static final Pattern DIGITS = Pattern.compile("\\d+");

    private Triplets() {}

    static String key(String network, String sender, String recipient) {
        return "gl:t:" + network + "|" + normalizeSender(sender) + "|" + recipient.toLowerCase(Locale.ROOT);
    }

    /** The auto-whitelist counter of a client network: how many triplets it passed. */
    static String autoWhitelistKey(String network) {
        return "gl:a:" + network;
    }

    static String normalizeSender(String sender) {
        String s = sender.toLowerCase(Locale.ROOT);
        int at = s.lastIndexOf('@');
        if (at < 0) return s; // the null sender, or a bare local part
        String local = BATV.matcher(s.substring(0, at)).replaceFirst("");
        return DIGITS.matcher(local).replaceAll("#") + s.substring(at);
    }
}
