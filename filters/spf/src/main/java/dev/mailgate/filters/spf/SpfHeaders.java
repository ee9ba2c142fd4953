// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import java.util.ArrayList;
import java.util.List;

/**
 * The trace headers: Received-SPF (RFC 7208 §9.1) and the spf method of Authentication-Results
 * (RFC 8601 §2.7.2). Every value that came from the client or from DNS is reduced to printable
 * ASCII and quoted where the grammar needs it, so a hostile record cannot break the header.
 */
final class SpfHeaders {
    static final String RECEIVED_SPF = "Received-SPF";
    static final String AUTHENTICATION_RESULTS = "Authentication-Results";

    /** RFC 2045 tspecials plus space and controls: a value containing one must be quoted (RFC 8601 value). */
    private static final String TSPECIALS = "()<>@,;:\\\"/[]?= ";
    /** RFC 5322 atext plus "." (dot-atom-text): a key-value of Received-SPF without one needs no quotes. */
    private static final String ATEXT_EXTRA = "!#$%&'*+-/=?^_`{|}~.";

    private SpfHeaders() {}

    /**
     * What the headers say about one check.
     *
     * @param result    the result
     * @param identity  {@code mailfrom} or {@code helo}
     * @param sender    the {@code <sender>} checked
     * @param domain    the domain checked
     * @param mechanism the matching directive ("" if none)
     * @param problem   the error, for TempError / PermError ("" otherwise)
     */
    record Check(SpfResult result, String identity, String sender, String domain, String mechanism, String problem) {}

    /** {@code pass (mx.example.org: domain of a@b.example designates 192.0.2.1 as permitted sender) receiver=...; ...} */
    static String receivedSpf(Check c, String receiver, String clientIp, String helo) {
        String ip = printable(clientIp);
        String who = "domain of " + printable(c.sender());
        String comment = switch (c.result()) {
            case PASS -> who + " designates " + ip + " as permitted sender";
            case FAIL -> who + " does not designate " + ip + " as permitted sender";
            case SOFTFAIL -> "domain of transitioning " + printable(c.sender()) + " does not designate " + ip + " as permitted sender";
            case NEUTRAL -> ip + " is neither permitted nor denied by " + who;
            case NONE -> who + " does not publish SPF";
            case TEMPERROR -> "temporary error while checking " + who;
            case PERMERROR -> "permanent error in the SPF record of " + who;
        };
        List<String> kv = new ArrayList<>();
        kv.add("receiver=" + keyValue(receiver));
        kv.add("client-ip=" + keyValue(clientIp));
        kv.add("envelope-from=" + keyValue(c.sender()));
        if (!helo.isEmpty()) kv.add("helo=" + keyValue(helo));
        kv.add("identity=" + c.identity());
        if (!c.mechanism().isEmpty()) kv.add("mechanism=" + keyValue(c.mechanism()));
        if (!c.problem().isEmpty()) kv.add("problem=" + keyValue(c.problem()));
        return c.result().keyword() + " (" + commentText(printable(receiver) + ": " + comment) + ") " + String.join("; ", kv) + ";";
    }

    /**
     * {@code mx.example.org; spf=pass smtp.mailfrom=example.com; spf=none smtp.helo=h.example},
     * one resinfo per check made.
     */
    static String authenticationResults(String authservId, List<Check> checks) {
        StringBuilder sb = new StringBuilder(value(authservId));
        for (Check c : checks) {
            boolean helo = c.identity().equals(SpfCheckResult.HELO);
            sb.append("; spf=").append(c.result().keyword())
                    .append(helo ? " smtp.helo=" : " smtp.mailfrom=").append(value(c.domain()));
        }
        return sb.toString();
    }

    /** A Received-SPF key-value: dot-atom as is, otherwise a quoted-string. */
    private static String keyValue(String raw) {
        String s = printable(raw);
        boolean atom = !s.isEmpty() && !s.startsWith(".") && !s.endsWith(".") && !s.contains("..");
        for (int i = 0; atom && i < s.length(); i++) {
            char ch = s.charAt(i);
            atom = Character.isLetterOrDigit(ch) || ATEXT_EXTRA.indexOf(ch) >= 0;
        }
        return atom ? s : quoted(s);
    }

    /** An Authentication-Results value: a MIME token as is, otherwise a quoted-string. */
    private static String value(String raw) {
        String s = printable(raw);
        boolean token = !s.isEmpty();
        for (int i = 0; token && i < s.length(); i++) token = TSPECIALS.indexOf(s.charAt(i)) < 0;
        return token ? s : quoted(s);
    }

    private static String quoted(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Comment text: parentheses and backslashes escaped (RFC 5322 ctext / quoted-pair). */
    private static String commentText(String s) {
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)");
    }

    /** Printable ASCII only: header fields are 7-bit and a CR or LF would end the field. */
    static String printable(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            sb.append(ch >= 0x20 && ch <= 0x7e ? ch : '?');
        }
        return sb.toString();
    }
}
