// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.dns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/** Responses as a server sends them, mapped to answers. */
class DnsRecordsTest {
    private static Message response(String qname, int qtype, int rcode) throws Exception {
        Message m = Message.newQuery(Record.newRecord(Name.fromString(qname), qtype, DClass.IN));
        m.getHeader().setRcode(rcode);
        return m;
    }

    private static Record rr(String name, int type, long ttl, String rdata) throws Exception {
        return Record.fromString(Name.fromString(name), type, DClass.IN, ttl, rdata, Name.root);
    }

    @Test
    void recordsOfTheTypeInTheirTextForms() throws Exception {
        Message m = response("example.test.", Type.MX, Rcode.NOERROR);
        m.addRecord(rr("example.test.", Type.MX, 300, "20 MX2.Example.Test."), Section.ANSWER);
        m.addRecord(rr("example.test.", Type.MX, 120, "10 mx1.example.test."), Section.ANSWER);
        DnsAnswer a = DnsRecords.answer("example.test", DnsType.MX, m);
        assertThat(a.status()).isEqualTo(DnsAnswer.Status.OK);
        assertThat(a.records()).containsExactly("20 mx2.example.test.", "10 mx1.example.test.");
        assertThat(a.ttl()).isEqualTo(120);
    }

    @Test
    void txtStringsAreConcatenated() throws Exception {
        Message m = response("example.test.", Type.TXT, Rcode.NOERROR);
        m.addRecord(rr("example.test.", Type.TXT, 60, "\"v=spf1 \" \"-all\""), Section.ANSWER);
        assertThat(DnsRecords.answer("example.test", DnsType.TXT, m).records()).containsExactly("v=spf1 -all");
    }

    @Test
    void addressesAreCanonical() throws Exception {
        Message m = response("h.test.", Type.AAAA, Rcode.NOERROR);
        m.addRecord(rr("h.test.", Type.AAAA, 60, "2001:0db8:0000::0001"), Section.ANSWER);
        assertThat(DnsRecords.answer("h.test", DnsType.AAAA, m).records()).containsExactly("2001:db8::1");
    }

    @Test
    void aCnameChainGivesTheTargetsRecordsAndItsShortestTtl() throws Exception {
        Message m = response("www.example.test.", Type.A, Rcode.NOERROR);
        m.addRecord(rr("www.example.test.", Type.CNAME, 30, "host.example.test."), Section.ANSWER);
        m.addRecord(rr("host.example.test.", Type.A, 600, "192.0.2.8"), Section.ANSWER);
        DnsAnswer a = DnsRecords.answer("www.example.test", DnsType.A, m);
        assertThat(a.records()).containsExactly("192.0.2.8");
        assertThat(a.ttl()).isEqualTo(30);
    }

    @Test
    void nxdomainTakesTheNegativeTtlOfTheSoa() throws Exception {
        Message m = response("1.2.0.192.bl.test.", Type.A, Rcode.NXDOMAIN);
        m.addRecord(rr("bl.test.", Type.SOA, 900, "ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 45"), Section.AUTHORITY);
        DnsAnswer a = DnsRecords.answer("1.2.0.192.bl.test", DnsType.A, m);
        assertThat(a.status()).isEqualTo(DnsAnswer.Status.NXDOMAIN);
        assertThat(a.isEmpty()).isTrue();
        assertThat(a.ttl()).isEqualTo(45); // min(SOA TTL 900, MINIMUM 45)
        Message m2 = response("1.2.0.192.bl.test.", Type.A, Rcode.NXDOMAIN);
        m2.addRecord(rr("bl.test.", Type.SOA, 20, "ns.bl.test. hostmaster.bl.test. 1 3600 600 86400 3600"), Section.AUTHORITY);
        assertThat(DnsRecords.answer("1.2.0.192.bl.test", DnsType.A, m2).ttl()).isEqualTo(20);
    }

    @Test
    void noRecordOfTheTypeIsNodataAndWithoutSoaNotCached() throws Exception {
        Message m = response("example.test.", Type.AAAA, Rcode.NOERROR);
        m.addRecord(rr("example.test.", Type.A, 60, "192.0.2.1"), Section.ANSWER); // another type only
        DnsAnswer a = DnsRecords.answer("example.test", DnsType.AAAA, m);
        assertThat(a.status()).isEqualTo(DnsAnswer.Status.NODATA);
        assertThat(a.ttl()).isZero();
    }

    @Test
    void everyOtherResponseCodeIsAServerFailure() throws Exception {
        for (int rcode : new int[] {Rcode.SERVFAIL, Rcode.REFUSED, Rcode.NOTIMP, Rcode.FORMERR}) {
            DnsAnswer a = DnsRecords.answer("x.test", DnsType.A, response("x.test.", Type.A, rcode));
            assertThat(a.status()).as(Rcode.string(rcode)).isEqualTo(DnsAnswer.Status.SERVFAIL);
            assertThat(a.isError()).isTrue();
        }
    }
}
