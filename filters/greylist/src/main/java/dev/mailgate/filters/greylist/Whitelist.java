// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.greylist;

import dev.mailgate.state.NetworkList;
import java.util.List;
import java.util.Locale;

/**
 * Who is never greylisted: client networks, sender domains (a domain covers its subdomains), and
 * recipients ({@code user@example.org} exactly, {@code example.org} or {@code @example.org} for a
 * whole domain, {@code postmaster@} for that local part at every domain).
 */
record Whitelist(NetworkList networks, List<String> senderDomains, List<String> recipients) {

    Whitelist {
        senderDomains = senderDomains.stream().map(d -> d.toLowerCase(Locale.ROOT).replaceFirst("^@", "")).toList();
        recipients = recipients.stream().map(r -> r.toLowerCase(Locale.ROOT)).toList();
    }

    boolean client(String ip) {
        return networks.contains(ip);
    }

    boolean sender(String senderDomain) {
        String d = senderDomain.toLowerCase(Locale.ROOT);
        if (d.isEmpty()) return false;
        for (String w : senderDomains) if (d.equals(w) || d.endsWith("." + w)) return true;
        return false;
    }

    boolean recipient(String address) {
        String a = address.toLowerCase(Locale.ROOT);
        int at = a.lastIndexOf('@');
        String local = at < 0 ? a : a.substring(0, at);
        String domain = at < 0 ? "" : a.substring(at + 1);
        for (String w : recipients) {
            if (w.endsWith("@")) {
                if (w.substring(0, w.length() - 1).equals(local)) return true;
            } else if (w.indexOf('@') > 0) {
                if (w.equals(a)) return true;
            } else if (w.replaceFirst("^@", "").equals(domain)) {
                return true;
            }
        }
        return false;
    }
}
