// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.core.policy;

import dev.mailgate.api.Stage;
import dev.mailgate.api.Var;
import java.util.Set;

/**
 * Which parts of a message the policy must see at all, so a front end that can ask the MTA not to
 * send the rest (milter's SMFIP_NO* flags) does: every event not sent is a packet Postfix does not
 * write and the gateway does not read, decode and schedule.
 *
 * <p>The envelope (MAIL, RCPT) and the end of data are always needed: they carry the verdict and
 * its log line. The rest is judged from the policy alone, and conservatively: a filter may read
 * anything the session holds, so a policy with any filter needs every part.
 *
 * @param connect the CONNECT event itself: false when nothing runs at onConnect, in which case
 *     the front end rebuilds the connection variables from the MTA's macros at the next event
 * @param helo the HELO name and what comes with it (ehloHost, isESMTP, TLS)
 * @param headers the header fields and the end of headers
 * @param body the body chunks
 */
public record EventNeeds(boolean connect, boolean helo, boolean headers, boolean body) {
    /** The edit verbs that need no knowledge of the received headers. */
    private static final Set<String> BLIND_VERBS = Set.of("addHeader", "addRcpt", "discardRcpt", "changeFrom", "replaceBody", "quarantine");

    static EventNeeds of(Policy p, Set<String> ruleReads) {
        boolean anyFilter = !p.chain().isEmpty() || !p.addedFilters().isEmpty();
        // a rule reading the macro map may look for any macro of any stage
        boolean everything = anyFilter || ruleReads.contains("macro");
        boolean body = p.needsBody() || p.countsBody() || p.decides(Stage.BODY_CHUNK);
        boolean connect = everything || !p.rules(Stage.CONNECT).rules().isEmpty();
        boolean helo = everything || !p.rules(Stage.EHLO).rules().isEmpty() || reads(p, ruleReads, Stage.EHLO);
        boolean headers = everything || body || !p.rules(Stage.HEADERS_RECEIVED).rules().isEmpty()
                || ruleReads.contains("headers") || reads(p, ruleReads, Stage.HEADERS_RECEIVED)
                || !p.thresholds().isEmpty() || editsSeeHeaders(p);
        return new EventNeeds(connect, helo, headers, body);
    }

    private static boolean reads(Policy p, Set<String> ruleReads, Stage stage) {
        for (String name : ruleReads) {
            Var<?> v = p.variables().get(name);
            if (v != null && v.availableFrom() == stage) return true;
        }
        return false;
    }

    /** True if a rule edits headers relative to the received ones (removeHeader, addIfNotExistsHeader...). */
    private static boolean editsSeeHeaders(Policy p) {
        for (Stage s : Stage.values()) {
            for (Rule r : p.rules(s).rules()) {
                for (RuleAction a : r.actions()) {
                    if (a instanceof RuleAction.Edit e && !BLIND_VERBS.contains(e.verb())) return true;
                }
            }
        }
        return false;
    }
}
