// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.session;

import java.util.Locale;

/** Envelope address helpers: strip the angle brackets, split local part and domain. */
final class Addresses {
    private Addresses() {}

    /** {@code <a@b>} → {@code a@b}; {@code <>} → empty; source routes ({@code <@x:a@b>}) dropped. */
    static String bare(String address) {
        String a = address == null ? "" : address.strip();
        if (a.startsWith("<") && a.endsWith(">")) a = a.substring(1, a.length() - 1);
        int colon = a.indexOf(':');
        if (a.startsWith("@") && colon > 0) a = a.substring(colon + 1);
        return a;
    }

    static String localPart(String bare) {
        int at = bare.lastIndexOf('@');
        return at < 0 ? bare : bare.substring(0, at);
    }

    static String domain(String bare) {
        int at = bare.lastIndexOf('@');
        return at < 0 ? "" : bare.substring(at + 1).toLowerCase(Locale.ROOT);
    }

    /** The value of an ESMTP parameter ({@code SIZE=1234}), or null. */
    static String param(java.util.List<String> params, String key) {
        for (String p : params) {
            int eq = p.indexOf('=');
            String k = eq < 0 ? p : p.substring(0, eq);
            if (k.equalsIgnoreCase(key)) return eq < 0 ? "" : p.substring(eq + 1);
        }
        return null;
    }
}
