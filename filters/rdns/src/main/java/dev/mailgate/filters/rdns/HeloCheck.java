// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.rdns;

import dev.mailgate.dns.Lookups;
import dev.mailgate.dns.DnsAnswer;
import dev.mailgate.dns.DnsNames;
import dev.mailgate.dns.DnsType;
import java.util.Arrays;

/**
 * The HELO checks hMailServer makes: the argument is a fully qualified host name or an address
 * literal (RFC 5321 §4.1.1.1, §4.1.3); an address literal is the client's own address; a name
 * resolves to the client's address. And one more: a client that claims to be this server.
 */
final class HeloCheck {
    /** The outcome, {@code rdns.heloResult}. */
    enum Result {
        /** The name resolves to the client, or the literal is the client's address. */
        Pass,
        /** Neither a host name with a dot nor an address literal (also a bare, unbracketed address). */
        Invalid,
        /** A literal of another address, or a name that resolves, but not to the client. */
        Mismatch,
        /** A name with no address at all (NXDOMAIN or no A/AAAA). */
        Unresolvable,
        /** The client claims this server's name or address. */
        Forged,
        /** A lookup failed: unknown. */
        Error
    }

    record Outcome(Result result, boolean timeout, String detail) {}

    Outcome check(String helo, byte[] client, String ownName, String ownIp, Lookups dns) throws InterruptedException {
        String h = helo == null ? "" : helo.strip();
        String ip = client == null ? "" : DnsNames.format(client);
        // a program on this host may rightly use this host's name
        boolean local = client == null || (client.length == 4 ? client[0] == 127 : ip.equals("::1"));
        if (h.startsWith("[") && h.endsWith("]")) {
            byte[] literal = DnsNames.address(h);
            if (literal == null) return new Outcome(Result.Invalid, false, "'" + h + "' is not an address literal");
            if (h.indexOf(':') >= 0 && !h.regionMatches(true, 1, "IPv6:", 0, 5)) {
                return new Outcome(Result.Invalid, false, "'" + h + "': an IPv6 literal is [IPv6:...]");
            }
            if (!local && ownIp != null && Arrays.equals(literal, DnsNames.address(ownIp)) && !Arrays.equals(literal, client)) {
                return new Outcome(Result.Forged, false, "'" + h + "' is this server's address");
            }
            if (client == null || !Arrays.equals(literal, client)) {
                return new Outcome(Result.Mismatch, false, "'" + h + "' is not the client's address " + ip);
            }
            return new Outcome(Result.Pass, false, "'" + h + "' is the client's address");
        }
        if (DnsNames.address(h) != null) return new Outcome(Result.Invalid, false, "'" + h + "' is an address without brackets");
        if (!DnsNames.isHostName(h)) return new Outcome(Result.Invalid, false, "'" + h + "' is not a fully qualified host name");
        String name = DnsNames.normalize(h);
        if (!local && ownName != null && !ownName.isEmpty() && name.equals(DnsNames.normalize(ownName))) {
            return new Outcome(Result.Forged, false, "'" + h + "' is this server's name");
        }
        if (client == null) return new Outcome(Result.Pass, false, "no client address to compare"); // a unix socket
        DnsType type = client.length == 4 ? DnsType.A : DnsType.AAAA;
        DnsAnswer a = dns.await(dns.start(name, type), name, type);
        return switch (a.status()) {
            case OK -> a.records().contains(ip)
                    ? new Outcome(Result.Pass, false, name + " resolves to " + ip)
                    : new Outcome(Result.Mismatch, false, name + " resolves to " + String.join(", ", a.records()) + ", not to " + ip);
            case NXDOMAIN, NODATA -> unresolvable(name, type, a, dns, ip);
            case TIMEOUT, SERVFAIL -> new Outcome(Result.Error, a.status() == DnsAnswer.Status.TIMEOUT, type + " lookup of " + name + ": " + a.status());
        };
    }

    /** No address of the client's family: Mismatch if it has one of the other family, else Unresolvable. */
    private static Outcome unresolvable(String name, DnsType asked, DnsAnswer a, Lookups dns, String ip) throws InterruptedException {
        if (a.status() == DnsAnswer.Status.NXDOMAIN) return new Outcome(Result.Unresolvable, false, name + " does not exist");
        DnsType other = asked == DnsType.A ? DnsType.AAAA : DnsType.A;
        DnsAnswer b = dns.await(dns.start(name, other), name, other);
        if (b.status() == DnsAnswer.Status.OK) {
            return new Outcome(Result.Mismatch, false, name + " resolves to " + String.join(", ", b.records()) + ", not to " + ip);
        }
        if (b.isError()) return new Outcome(Result.Error, b.status() == DnsAnswer.Status.TIMEOUT, other + " lookup of " + name + ": " + b.status());
        return new Outcome(Result.Unresolvable, false, name + " has no address");
    }
}
