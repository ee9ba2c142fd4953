// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.server;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.api.Modification;
import dev.mailgate.api.Stage;
import dev.mailgate.core.policy.EventNeeds;
import dev.mailgate.core.policy.Policy;
import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what to ask the MTA for, from its offer and the loaded policy: only the actions the
 * policy can use; no events the policy does not need (the no-step flags: NOCONNECT, NOHELO, NOHDRS,
 * NOEOH, NOBODY, NOUNKNOWN, NODATA; see {@link EventNeeds}); no replies for
 * events where nothing is decided (NR_*), which saves a round trip per event; SKIP to stop body
 * chunks early; HDR_LEADSPC for exact header values; and, via the macro-list override, the
 * macros each stage needs.
 */
final class Negotiator {
    private static final String CONNECT_MACROS = "j {daemon_name} {daemon_addr} {daemon_port} v _ {client_addr} {client_port} {client_name} {client_ptr}";
    private static final String HELO_MACROS = "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}";

    /**
     * Postfix's defaults plus what the variables need ({daemon_port}, {client_*}), indexed by which
     * of CONNECT (1) and HELO (2) the MTA will not send: their macros then come with the next
     * event it does send (the MTA evaluates them at any stage).
     */
    static final List<Map<Integer, String>> MACROS = List.of(macroLists(false, false), macroLists(true, false),
            macroLists(false, true), macroLists(true, true));

    private Negotiator() {}

    /** What was agreed for one MTA connection. */
    record Agreement(int version, int actions, int protocol) {
        boolean has(int protocolBit) {
            return (protocol & protocolBit) != 0;
        }

        boolean may(int actionBit) {
            return (actions & actionBit) != 0;
        }

        /** True if the MTA waits for an answer to this command. */
        boolean expectsReply(MilterCommand c) {
            return switch (c) {
                case MilterCommand.Connect x -> !has(SMFIP_NR_CONN);
                case MilterCommand.Helo x -> !has(SMFIP_NR_HELO);
                case MilterCommand.MailFrom x -> !has(SMFIP_NR_MAIL);
                case MilterCommand.RcptTo x -> !has(SMFIP_NR_RCPT);
                case MilterCommand.Data x -> !has(SMFIP_NR_DATA);
                case MilterCommand.Header x -> !has(SMFIP_NR_HDR);
                case MilterCommand.EndOfHeaders x -> !has(SMFIP_NR_EOH);
                case MilterCommand.BodyChunk x -> !has(SMFIP_NR_BODY);
                case MilterCommand.Unknown x -> !has(SMFIP_NR_UNKN);
                case MilterCommand.EndOfMessage x -> true;
                case MilterCommand.OptionNegotiation x -> true;
                default -> false; // D, A, Q, K never get an answer
            };
        }
    }

    static Agreement agree(MilterCommand.OptionNegotiation offer, Policy policy) {
        int version = Math.min(SMFI_PROT_VERSION, offer.version());
        int offeredActions = offer.actions() == 0 ? SMFI_V1_ACTS : offer.actions();
        int offeredProtocol = offer.protocol() == 0 ? 0x3F : offer.protocol();
        int actions = wantedActions(policy) & offeredActions;
        int protocol = wantedProtocol(policy) & offeredProtocol;
        // without CONNECT the client's data arrives as macros of a later stage, which only a
        // macro-list override can ask for
        if ((actions & SMFIF_SETSYMLIST) == 0) protocol &= ~SMFIP_NOCONNECT;
        return new Agreement(version, actions, protocol);
    }

    static MilterResponse.OptionNegotiationReply reply(Agreement a) {
        Map<Integer, String> lists = a.may(SMFIF_SETSYMLIST) ? MACROS.get((a.has(SMFIP_NOCONNECT) ? 1 : 0) + (a.has(SMFIP_NOHELO) ? 2 : 0)) : Map.of();
        return new MilterResponse.OptionNegotiationReply(a.version(), a.actions(), a.protocol(), lists);
    }

    /** The SMFIF bit a modification needs. */
    static int actionFor(Class<? extends Modification> kind) {
        if (kind == Modification.AddHeader.class || kind == Modification.InsertHeader.class) return SMFIF_ADDHDRS;
        if (kind == Modification.ChangeHeader.class) return SMFIF_CHGHDRS;
        if (kind == Modification.AddRecipient.class) return SMFIF_ADDRCPT | SMFIF_ADDRCPT_PAR;
        if (kind == Modification.RemoveRecipient.class) return SMFIF_DELRCPT;
        if (kind == Modification.ChangeSender.class) return SMFIF_CHGFROM;
        if (kind == Modification.ReplaceBody.class) return SMFIF_CHGBODY;
        if (kind == Modification.Quarantine.class) return SMFIF_QUARANTINE;
        return 0;
    }

    static int wantedActions(Policy policy) {
        int a = SMFIF_SETSYMLIST;
        for (Class<? extends Modification> kind : policy.modifications()) a |= actionFor(kind);
        return a;
    }

    static int wantedProtocol(Policy policy) {
        int p = SMFIP_NOUNKNOWN | SMFIP_NR_HDR | SMFIP_SKIP;
        if (policy.milter().leadingSpace()) p |= SMFIP_HDR_LEADSPC;
        EventNeeds needs = policy.eventNeeds();
        if (!needs.body()) p |= SMFIP_NOBODY;
        // the no-step flags: events the policy has no use for are not sent at all
        if (!needs.connect()) p |= SMFIP_NOCONNECT;
        if (!needs.helo()) p |= SMFIP_NOHELO;
        if (!needs.headers()) p |= SMFIP_NOHDRS | SMFIP_NOEOH;
        if (!policy.decides(Stage.DATA)) p |= SMFIP_NODATA;
        if (!policy.decides(Stage.CONNECT)) p |= SMFIP_NR_CONN;
        if (!policy.decides(Stage.EHLO)) p |= SMFIP_NR_HELO;
        if (!policy.decides(Stage.MAIL_FROM)) p |= SMFIP_NR_MAIL;
        if (!policy.decides(Stage.RCPT_TO)) p |= SMFIP_NR_RCPT;
        if (!policy.decides(Stage.DATA)) p |= SMFIP_NR_DATA;
        if (!policy.decides(Stage.HEADERS_RECEIVED)) p |= SMFIP_NR_EOH;
        if (!policy.decides(Stage.BODY_CHUNK)) p |= SMFIP_NR_BODY;
        return p;
    }

    private static Map<Integer, String> macroLists(boolean noConnect, boolean noHelo) {
        String mail = "i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}";
        String helo = HELO_MACROS;
        if (noConnect && noHelo) mail = CONNECT_MACROS + " " + HELO_MACROS + " " + mail;
        else if (noConnect) helo = CONNECT_MACROS + " " + helo;
        else if (noHelo) mail = HELO_MACROS + " " + mail;
        Map<Integer, String> m = new LinkedHashMap<>();
        m.put(SMFIM_CONNECT, CONNECT_MACROS);
        m.put(SMFIM_HELO, helo);
        m.put(SMFIM_ENVFROM, mail);
        m.put(SMFIM_ENVRCPT, "i {rcpt_addr} {rcpt_host} {rcpt_mailer}");
        m.put(SMFIM_DATA, "i");
        m.put(SMFIM_EOH, "i");
        m.put(SMFIM_EOM, "i {msg_id}");
        return java.util.Collections.unmodifiableMap(m);
    }

    /** Kinds the policy may use that the MTA did not grant (logged once per connection). */
    static Set<String> missing(Policy policy, Agreement a) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (Class<? extends Modification> kind : policy.modifications()) {
            int need = actionFor(kind) & ~SMFIF_ADDRCPT_PAR;
            if ((a.actions() & need) != need) out.add(kind.getSimpleName());
        }
        return out;
    }
}
