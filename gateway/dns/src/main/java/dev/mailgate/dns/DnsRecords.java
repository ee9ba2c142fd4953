// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.CNAMERecord;
import org.xbill.DNS.MXRecord;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.PTRRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/**
 * dnsjava records and responses to {@link DnsAnswer}s, in the text forms {@link DnsAnswer}
 * promises. Shared by the real resolver and the in-process {@code testing.ZoneResolver}, so both
 * render an answer identically.
 */
public final class DnsRecords {
    private DnsRecords() {}

    /** dnsjava's type code for {@code type}. */
    public static int code(DnsType type) {
        return switch (type) {
            case A -> Type.A;
            case AAAA -> Type.AAAA;
            case MX -> Type.MX;
            case TXT -> Type.TXT;
            case PTR -> Type.PTR;
            case NS -> Type.NS;
            case CNAME -> Type.CNAME;
            case SOA -> Type.SOA;
        };
    }

    /** One record's data as {@link DnsAnswer} text. */
    public static String text(Record r) {
        return switch (r) {
            case ARecord a -> DnsNames.format(a.getAddress().getAddress());
            case AAAARecord a -> DnsNames.format(a.getAddress().getAddress());
            case MXRecord mx -> mx.getPriority() + " " + lower(mx.getTarget().toString());
            case TXTRecord txt -> txt(txt);
            case PTRRecord ptr -> lower(ptr.getTarget().toString());
            case NSRecord ns -> lower(ns.getTarget().toString());
            case CNAMERecord c -> lower(c.getTarget().toString());
            default -> r.rdataToString();
        };
    }

    /** The character-strings of a TXT record concatenated (RFC 7208 §3.3), bytes as UTF-8. */
    private static String txt(TXTRecord r) {
        StringBuilder sb = new StringBuilder();
        for (byte[] s : r.getStringsAsByteArrays()) sb.append(new String(s, StandardCharsets.UTF_8));
        return sb.toString();
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    /**
     * A server's response to a query for {@code name}/{@code type}: OK with the records of that
     * type (at the end of any CNAME chain), NXDOMAIN or NODATA with the negative TTL of RFC 2308
     * §5 (the SOA's TTL capped by its MINIMUM; 0 without a SOA: not cached), SERVFAIL for every
     * other response code (SERVFAIL, REFUSED, NOTIMP, FORMERR).
     */
    public static DnsAnswer answer(String name, DnsType type, Message response) {
        int rcode = response.getRcode();
        if (rcode == Rcode.NXDOMAIN) return negative(name, type, DnsAnswer.Status.NXDOMAIN, response);
        if (rcode != Rcode.NOERROR) return new DnsAnswer(name, type, DnsAnswer.Status.SERVFAIL, List.of(), 0);
        int wanted = code(type);
        List<String> records = new ArrayList<>();
        long ttl = Long.MAX_VALUE;
        for (Record r : response.getSection(Section.ANSWER)) {
            if (r.getType() == wanted) {
                records.add(text(r));
                ttl = Math.min(ttl, r.getTTL());
            } else if (r.getType() == Type.CNAME) {
                ttl = Math.min(ttl, r.getTTL()); // the chain expires with its shortest link
            }
        }
        if (records.isEmpty()) return negative(name, type, DnsAnswer.Status.NODATA, response);
        return new DnsAnswer(name, type, DnsAnswer.Status.OK, records, ttl);
    }

    private static DnsAnswer negative(String name, DnsType type, DnsAnswer.Status status, Message response) {
        return new DnsAnswer(name, type, status, List.of(), negativeTtl(response.getSection(Section.AUTHORITY)));
    }

    /** RFC 2308 §5: min(SOA TTL, SOA MINIMUM) of the authority section; 0 without a SOA. */
    public static long negativeTtl(List<Record> authority) {
        for (Record r : authority) {
            if (r instanceof SOARecord soa) return Math.min(soa.getTTL(), soa.getMinimum());
        }
        return 0;
    }
}
