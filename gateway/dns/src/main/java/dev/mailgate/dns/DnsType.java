// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

/** The record types filters ask for. */
public enum DnsType {
    A, AAAA, MX, TXT, PTR, NS, CNAME, SOA
}
