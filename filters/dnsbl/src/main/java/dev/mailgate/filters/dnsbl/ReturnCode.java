// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.dnsbl;

import dev.mailgate.api.IpNetwork;
import dev.mailgate.dns.DnsNames;
import java.util.regex.Pattern;

/**
 * One entry of a list's return-code map: answers it matches mean {@code meaning} (a finding
 * symbol). Written {@code 127.0.0.2=MEANING} (that answer), {@code 127.0.0.4/30=MEANING} (a range
 * in CIDR form) or {@code &4=MEANING} (a bit of the last octet set, as multi-lists such as SURBL
 * encode several lists in one answer; {@code &0.0.0.4} is the same mask written in full).
 */
record ReturnCode(String code, IpNetwork network, byte[] mask, String meaning) {
    static final Pattern SYMBOL = Pattern.compile("[A-Z][A-Z0-9_]*");

    /** Parses {@code code=MEANING}; the message of the exception says what is wrong. */
    static ReturnCode parse(String token) {
        int eq = token.indexOf('=');
        String code = token.substring(0, eq);
        String meaning = token.substring(eq + 1);
        if (!SYMBOL.matcher(meaning).matches()) {
            throw new IllegalArgumentException("'" + token + "': the meaning must be a finding symbol in UPPER_SNAKE case");
        }
        if (code.startsWith("&")) {
            String m = code.substring(1);
            byte[] mask;
            if (m.matches("\\d{1,3}")) {
                int bits = Integer.parseInt(m);
                if (bits < 1 || bits > 255) throw new IllegalArgumentException("'" + token + "': a last-octet mask is 1..255");
                mask = new byte[] {0, 0, 0, (byte) bits};
            } else {
                mask = DnsNames.address(m);
                if (mask == null || mask.length != 4) throw new IllegalArgumentException("'" + token + "': '" + m + "' is not a mask (&4 or &0.0.0.4)");
            }
            return new ReturnCode(code, null, mask, meaning);
        }
        try {
            IpNetwork n = IpNetwork.parse(code);
            if (n.network().length != 4) throw new IllegalArgumentException("answers are IPv4 (A records)");
            return new ReturnCode(code, n, null, meaning);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + token + "': " + e.getMessage() + " (codes are 127.0.0.2, 127.0.0.0/24 or &4)");
        }
    }

    /** True if the answer (4 bytes) carries this code. */
    boolean matches(byte[] answer) {
        if (network != null) return network.contains(answer);
        for (int i = 0; i < 4; i++) if ((answer[i] & mask[i]) != 0) return true;
        return false;
    }
}
