// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import java.util.List;

/**
 * The outcome of one lookup. Records are text in a fixed form per type:
 * A/AAAA the address ({@code 192.0.2.1}, {@code 2001:db8::1}); MX {@code "10 mx.example.org."};
 * TXT the character-strings of one record concatenated; PTR/NS/CNAME the target name with its
 * trailing dot.
 *
 * @param name    the name asked for, absolute, lower case
 * @param type    the type asked for
 * @param status  what happened
 * @param records the records (empty unless {@link Status#OK})
 * @param ttl     seconds this answer may be cached (the negative TTL for NXDOMAIN / NODATA)
 */
public record DnsAnswer(String name, DnsType type, Status status, List<String> records, long ttl) {
    public enum Status {
        /** At least one record of the type. */
        OK,
        /** The name does not exist. */
        NXDOMAIN,
        /** The name exists but has no record of this type. */
        NODATA,
        /** No answer within the deadline. */
        TIMEOUT,
        /** The server could not answer (SERVFAIL, REFUSED, network error). */
        SERVFAIL
    }

    public DnsAnswer {
        records = List.copyOf(records);
    }

    /** True for NXDOMAIN and NODATA: a real "no such record". */
    public boolean isEmpty() {
        return status == Status.NXDOMAIN || status == Status.NODATA;
    }

    /** True for TIMEOUT and SERVFAIL: the truth is unknown (a TempError, never "not listed"). */
    public boolean isError() {
        return status == Status.TIMEOUT || status == Status.SERVFAIL;
    }
}
