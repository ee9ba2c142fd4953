// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

/**
 * Milter protocol version 6 wire constants, named exactly as libmilter names them in
 * {@code mfdef.h} / {@code mfapi.h} so that a libmilter or jmilter user finds them by name.
 *
 * <p>Command and reply codes are {@code char}s (the protocol uses one ASCII byte); flag sets are
 * 32-bit masks. See {@code shared/reference/milter-protocol.md} sections 3 to 5 and 9.
 */
public final class MilterConstants {

    private MilterConstants() {
    }

    // ---------------------------------------------------------------- versions and sizes

    /** {@code SMFI_PROT_VERSION}: the protocol version this implementation speaks (6). */
    public static final int SMFI_PROT_VERSION = 6;
    /** {@code SMFI_PROT_VERSION_MIN}: the oldest MTA version libmilter talks to (2). */
    public static final int SMFI_PROT_VERSION_MIN = 2;
    /** {@code MILTER_LEN_BYTES}: size of the big-endian length prefix of every packet. */
    public static final int MILTER_LEN_BYTES = 4;
    /** {@code MILTER_OPTLEN}: size of the three uint32 of an option negotiation payload. */
    public static final int MILTER_OPTLEN = 12;
    /** {@code MILTER_CHUNK_SIZE}: largest body chunk ({@code B}, {@code b}) an MTA or milter sends. */
    public static final int MILTER_CHUNK_SIZE = 65535;
    /** {@code MILTER_MAX_DATA_SIZE}: libmilter's default limit for the data part of a packet. */
    public static final int MILTER_MAX_DATA_SIZE = 65535;

    // ---------------------------------------------------------------- SMFIC_*: MTA -> milter

    /** {@code SMFIC_ABORT}: abort the current message (no reply). */
    public static final char SMFIC_ABORT = 'A';
    /** {@code SMFIC_BODY}: a body chunk. */
    public static final char SMFIC_BODY = 'B';
    /** {@code SMFIC_CONNECT}: SMTP connection information. */
    public static final char SMFIC_CONNECT = 'C';
    /** {@code SMFIC_MACRO}: macro definitions for the following command (no reply). */
    public static final char SMFIC_MACRO = 'D';
    /** {@code SMFIC_BODYEOB}: end of message (optionally with a last body chunk). */
    public static final char SMFIC_BODYEOB = 'E';
    /** {@code SMFIC_HELO}: HELO/EHLO name. */
    public static final char SMFIC_HELO = 'H';
    /** {@code SMFIC_QUIT_NC}: quit, but keep the connection for a new session (no reply). */
    public static final char SMFIC_QUIT_NC = 'K';
    /** {@code SMFIC_HEADER}: one header field. */
    public static final char SMFIC_HEADER = 'L';
    /** {@code SMFIC_MAIL}: MAIL FROM with ESMTP parameters. */
    public static final char SMFIC_MAIL = 'M';
    /** {@code SMFIC_EOH}: end of headers. */
    public static final char SMFIC_EOH = 'N';
    /** {@code SMFIC_OPTNEG}: option negotiation. */
    public static final char SMFIC_OPTNEG = 'O';
    /** {@code SMFIC_QUIT}: end of the session; the MTA closes the connection (no reply). */
    public static final char SMFIC_QUIT = 'Q';
    /** {@code SMFIC_RCPT}: RCPT TO with ESMTP parameters. */
    public static final char SMFIC_RCPT = 'R';
    /** {@code SMFIC_DATA}: the DATA command. */
    public static final char SMFIC_DATA = 'T';
    /** {@code SMFIC_UNKNOWN}: an SMTP command the MTA does not know. */
    public static final char SMFIC_UNKNOWN = 'U';

    // ---------------------------------------------------------------- SMFIR_*: milter -> MTA

    /** {@code SMFIR_ADDRCPT}: add a recipient. */
    public static final char SMFIR_ADDRCPT = '+';
    /** {@code SMFIR_DELRCPT}: remove a recipient. */
    public static final char SMFIR_DELRCPT = '-';
    /** {@code SMFIR_ADDRCPT_PAR}: add a recipient with ESMTP arguments. */
    public static final char SMFIR_ADDRCPT_PAR = '2';
    /** {@code SMFIR_SHUTDOWN}: 421, close the SMTP session. */
    public static final char SMFIR_SHUTDOWN = '4';
    /** {@code SMFIR_ACCEPT}: accept the message (or connection). */
    public static final char SMFIR_ACCEPT = 'a';
    /** {@code SMFIR_REPLBODY}: replace the body (one chunk). */
    public static final char SMFIR_REPLBODY = 'b';
    /** {@code SMFIR_CONTINUE}: continue with the next event. */
    public static final char SMFIR_CONTINUE = 'c';
    /** {@code SMFIR_DISCARD}: silently discard the message. */
    public static final char SMFIR_DISCARD = 'd';
    /** {@code SMFIR_CHGFROM}: change the envelope sender. */
    public static final char SMFIR_CHGFROM = 'e';
    /** {@code SMFIR_CONN_FAIL}: cause a connection failure (not supported by Postfix or Sendmail). */
    public static final char SMFIR_CONN_FAIL = 'f';
    /** {@code SMFIR_ADDHEADER}: append a header. */
    public static final char SMFIR_ADDHEADER = 'h';
    /** {@code SMFIR_INSHEADER}: insert a header at an index. */
    public static final char SMFIR_INSHEADER = 'i';
    /** {@code SMFIR_SETSYMLIST}: reserved; the macro list travels inside the {@code O} reply. */
    public static final char SMFIR_SETSYMLIST = 'l';
    /** {@code SMFIR_CHGHEADER}: change or delete the n-th occurrence of a header. */
    public static final char SMFIR_CHGHEADER = 'm';
    /** {@code SMFIR_PROGRESS}: keep-alive while the milter works on end-of-message. */
    public static final char SMFIR_PROGRESS = 'p';
    /** {@code SMFIR_QUARANTINE}: quarantine (Postfix: hold) the message. */
    public static final char SMFIR_QUARANTINE = 'q';
    /** {@code SMFIR_REJECT}: reject with the MTA's default 5xx text. */
    public static final char SMFIR_REJECT = 'r';
    /** {@code SMFIR_SKIP}: skip further events of this kind (body chunks). */
    public static final char SMFIR_SKIP = 's';
    /** {@code SMFIR_TEMPFAIL}: temporary failure with the MTA's default 4xx text. */
    public static final char SMFIR_TEMPFAIL = 't';
    /** {@code SMFIR_REPLYCODE}: reject or tempfail with an explicit SMTP reply. */
    public static final char SMFIR_REPLYCODE = 'y';
    /** Option negotiation reply; libmilter reuses {@code SMFIC_OPTNEG} for it. */
    public static final char SMFIR_OPTNEG = 'O';

    // ---------------------------------------------------------------- SMFIA_*: CONNECT families

    /** {@code SMFIA_UNKNOWN}: unknown family; no port and address follow. */
    public static final char SMFIA_UNKNOWN = 'U';
    /** {@code SMFIA_UNIX}: Unix domain socket; the address is the socket path, port 0. */
    public static final char SMFIA_UNIX = 'L';
    /** {@code SMFIA_INET}: IPv4. */
    public static final char SMFIA_INET = '4';
    /** {@code SMFIA_INET6}: IPv6. */
    public static final char SMFIA_INET6 = '6';

    // ---------------------------------------------------------------- SMFIF_*: actions

    /** {@code SMFIF_NONE}: no actions. */
    public static final int SMFIF_NONE = 0x000;
    /** {@code SMFIF_ADDHDRS}: may add and insert headers. */
    public static final int SMFIF_ADDHDRS = 0x001;
    /** {@code SMFIF_CHGBODY}: may replace the body. */
    public static final int SMFIF_CHGBODY = 0x002;
    /** {@code SMFIF_MODBODY}: old alias of {@link #SMFIF_CHGBODY}. */
    public static final int SMFIF_MODBODY = SMFIF_CHGBODY;
    /** {@code SMFIF_ADDRCPT}: may add recipients. */
    public static final int SMFIF_ADDRCPT = 0x004;
    /** {@code SMFIF_DELRCPT}: may delete recipients. */
    public static final int SMFIF_DELRCPT = 0x008;
    /** {@code SMFIF_CHGHDRS}: may change or delete headers. */
    public static final int SMFIF_CHGHDRS = 0x010;
    /** {@code SMFIF_QUARANTINE}: may quarantine the message. */
    public static final int SMFIF_QUARANTINE = 0x020;
    /** {@code SMFIF_CHGFROM}: may change the envelope sender. */
    public static final int SMFIF_CHGFROM = 0x040;
    /** {@code SMFIF_ADDRCPT_PAR}: may add recipients with ESMTP arguments. */
    public static final int SMFIF_ADDRCPT_PAR = 0x080;
    /** {@code SMFIF_SETSYMLIST}: may override the macro lists in the negotiation reply. */
    public static final int SMFIF_SETSYMLIST = 0x100;
    /** {@code SMFI_CURR_ACTS}: every action flag of protocol version 6. */
    public static final int SMFI_CURR_ACTS = 0x1FF;
    /** {@code SMFI_V1_ACTS}: actions implied by an MTA offer of 0. */
    public static final int SMFI_V1_ACTS = 0x0F;

    // ---------------------------------------------------------------- SMFIP_*: protocol steps

    /** {@code SMFIP_NOCONNECT}: MTA must not send CONNECT. */
    public static final int SMFIP_NOCONNECT = 0x000001;
    /** {@code SMFIP_NOHELO}: MTA must not send HELO. */
    public static final int SMFIP_NOHELO = 0x000002;
    /** {@code SMFIP_NOMAIL}: MTA must not send MAIL. */
    public static final int SMFIP_NOMAIL = 0x000004;
    /** {@code SMFIP_NORCPT}: MTA must not send RCPT. */
    public static final int SMFIP_NORCPT = 0x000008;
    /** {@code SMFIP_NOBODY}: MTA must not send body chunks. */
    public static final int SMFIP_NOBODY = 0x000010;
    /** {@code SMFIP_NOHDRS}: MTA must not send headers. */
    public static final int SMFIP_NOHDRS = 0x000020;
    /** {@code SMFIP_NOEOH}: MTA must not send end-of-headers. */
    public static final int SMFIP_NOEOH = 0x000040;
    /** {@code SMFIP_NR_HDR}: milter does not reply to headers. */
    public static final int SMFIP_NR_HDR = 0x000080;
    /** {@code SMFIP_NOHREPL}: old name of {@link #SMFIP_NR_HDR}. */
    public static final int SMFIP_NOHREPL = SMFIP_NR_HDR;
    /** {@code SMFIP_NOUNKNOWN}: MTA must not send unknown commands. */
    public static final int SMFIP_NOUNKNOWN = 0x000100;
    /** {@code SMFIP_NODATA}: MTA must not send DATA. */
    public static final int SMFIP_NODATA = 0x000200;
    /** {@code SMFIP_SKIP}: MTA understands {@code SMFIR_SKIP}. */
    public static final int SMFIP_SKIP = 0x000400;
    /** {@code SMFIP_RCPT_REJ}: MTA also sends recipients it rejected itself. */
    public static final int SMFIP_RCPT_REJ = 0x000800;
    /** {@code SMFIP_NR_CONN}: milter does not reply to CONNECT. */
    public static final int SMFIP_NR_CONN = 0x001000;
    /** {@code SMFIP_NR_HELO}: milter does not reply to HELO. */
    public static final int SMFIP_NR_HELO = 0x002000;
    /** {@code SMFIP_NR_MAIL}: milter does not reply to MAIL. */
    public static final int SMFIP_NR_MAIL = 0x004000;
    /** {@code SMFIP_NR_RCPT}: milter does not reply to RCPT. */
    public static final int SMFIP_NR_RCPT = 0x008000;
    /** {@code SMFIP_NR_DATA}: milter does not reply to DATA. */
    public static final int SMFIP_NR_DATA = 0x010000;
    /** {@code SMFIP_NR_UNKN}: milter does not reply to unknown commands. */
    public static final int SMFIP_NR_UNKN = 0x020000;
    /** {@code SMFIP_NR_EOH}: milter does not reply to end-of-headers. */
    public static final int SMFIP_NR_EOH = 0x040000;
    /** {@code SMFIP_NR_BODY}: milter does not reply to body chunks. */
    public static final int SMFIP_NR_BODY = 0x080000;
    /** {@code SMFIP_HDR_LEADSPC}: header values are passed with their leading whitespace. */
    public static final int SMFIP_HDR_LEADSPC = 0x100000;
    /** {@code SMFIP_MDS_256K}: internal (libmilter {@code _FFR_MDS_NEGOTIATE}); do not set. */
    public static final int SMFIP_MDS_256K = 0x10000000;
    /** {@code SMFIP_MDS_1M}: internal (libmilter {@code _FFR_MDS_NEGOTIATE}); do not set. */
    public static final int SMFIP_MDS_1M = 0x20000000;
    /** {@code SMFI_CURR_PROT}: every protocol bit of version 6. */
    public static final int SMFI_CURR_PROT = 0x1FFFFF;
    /** {@code SMFI_V1_PROT}: protocol bits implied by an MTA offer of 0. */
    public static final int SMFI_V1_PROT = 0x3F;
    /** Every {@code SMFIP_NR_*} bit. */
    public static final int SMFIP_NR_MASK = SMFIP_NR_HDR | SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL
            | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_EOH | SMFIP_NR_BODY;

    // ---------------------------------------------------------------- SMFIM_*: macro stages

    /** {@code SMFIM_CONNECT}: macro list stage for CONNECT. */
    public static final int SMFIM_CONNECT = 0;
    /** {@code SMFIM_HELO}: macro list stage for HELO. */
    public static final int SMFIM_HELO = 1;
    /** {@code SMFIM_ENVFROM}: macro list stage for MAIL. */
    public static final int SMFIM_ENVFROM = 2;
    /** {@code SMFIM_ENVRCPT}: macro list stage for RCPT. */
    public static final int SMFIM_ENVRCPT = 3;
    /** {@code SMFIM_DATA}: macro list stage for DATA. */
    public static final int SMFIM_DATA = 4;
    /** {@code SMFIM_EOM}: macro list stage for end-of-message (note: 5, before EOH). */
    public static final int SMFIM_EOM = 5;
    /** {@code SMFIM_EOH}: macro list stage for end-of-headers (note: 6, after EOM). */
    public static final int SMFIM_EOH = 6;

    /**
     * The {@code SMFIP_NR_*} bit that lets a milter stay silent on {@code command}, or 0 if the
     * command has no such bit (it is either always answered, like {@code O} and {@code E}, or never,
     * like {@code D}, {@code A}, {@code Q}, {@code K}).
     */
    public static int noReplyBit(char command) {
        return switch (command) {
            case SMFIC_CONNECT -> SMFIP_NR_CONN;
            case SMFIC_HELO -> SMFIP_NR_HELO;
            case SMFIC_MAIL -> SMFIP_NR_MAIL;
            case SMFIC_RCPT -> SMFIP_NR_RCPT;
            case SMFIC_DATA -> SMFIP_NR_DATA;
            case SMFIC_HEADER -> SMFIP_NR_HDR;
            case SMFIC_EOH -> SMFIP_NR_EOH;
            case SMFIC_BODY -> SMFIP_NR_BODY;
            case SMFIC_UNKNOWN -> SMFIP_NR_UNKN;
            default -> 0;
        };
    }

    /** Whether the MTA waits for an answer to {@code command} given the negotiated protocol bits. */
    public static boolean expectsReply(char command, int negotiatedProtocol) {
        return switch (command) {
            case SMFIC_MACRO, SMFIC_ABORT, SMFIC_QUIT, SMFIC_QUIT_NC -> false;
            default -> (negotiatedProtocol & noReplyBit(command)) == 0;
        };
    }

    /** A readable name for a command code, e.g. {@code SMFIC_HELO ('H')}, for messages. */
    public static String commandName(char code) {
        String name = switch (code) {
            case SMFIC_ABORT -> "SMFIC_ABORT";
            case SMFIC_BODY -> "SMFIC_BODY";
            case SMFIC_CONNECT -> "SMFIC_CONNECT";
            case SMFIC_MACRO -> "SMFIC_MACRO";
            case SMFIC_BODYEOB -> "SMFIC_BODYEOB";
            case SMFIC_HELO -> "SMFIC_HELO";
            case SMFIC_QUIT_NC -> "SMFIC_QUIT_NC";
            case SMFIC_HEADER -> "SMFIC_HEADER";
            case SMFIC_MAIL -> "SMFIC_MAIL";
            case SMFIC_EOH -> "SMFIC_EOH";
            case SMFIC_OPTNEG -> "SMFIC_OPTNEG";
            case SMFIC_QUIT -> "SMFIC_QUIT";
            case SMFIC_RCPT -> "SMFIC_RCPT";
            case SMFIC_DATA -> "SMFIC_DATA";
            case SMFIC_UNKNOWN -> "SMFIC_UNKNOWN";
            default -> "command";
        };
        return name + " (" + quote(code) + ")";
    }

    /** A readable name for a reply code, e.g. {@code SMFIR_CONTINUE ('c')}, for messages. */
    public static String responseName(char code) {
        String name = switch (code) {
            case SMFIR_ADDRCPT -> "SMFIR_ADDRCPT";
            case SMFIR_DELRCPT -> "SMFIR_DELRCPT";
            case SMFIR_ADDRCPT_PAR -> "SMFIR_ADDRCPT_PAR";
            case SMFIR_SHUTDOWN -> "SMFIR_SHUTDOWN";
            case SMFIR_ACCEPT -> "SMFIR_ACCEPT";
            case SMFIR_REPLBODY -> "SMFIR_REPLBODY";
            case SMFIR_CONTINUE -> "SMFIR_CONTINUE";
            case SMFIR_DISCARD -> "SMFIR_DISCARD";
            case SMFIR_CHGFROM -> "SMFIR_CHGFROM";
            case SMFIR_CONN_FAIL -> "SMFIR_CONN_FAIL";
            case SMFIR_ADDHEADER -> "SMFIR_ADDHEADER";
            case SMFIR_INSHEADER -> "SMFIR_INSHEADER";
            case SMFIR_SETSYMLIST -> "SMFIR_SETSYMLIST";
            case SMFIR_CHGHEADER -> "SMFIR_CHGHEADER";
            case SMFIR_PROGRESS -> "SMFIR_PROGRESS";
            case SMFIR_QUARANTINE -> "SMFIR_QUARANTINE";
            case SMFIR_REJECT -> "SMFIR_REJECT";
            case SMFIR_SKIP -> "SMFIR_SKIP";
            case SMFIR_TEMPFAIL -> "SMFIR_TEMPFAIL";
            case SMFIR_REPLYCODE -> "SMFIR_REPLYCODE";
            case SMFIR_OPTNEG -> "SMFIR_OPTNEG";
            default -> "reply";
        };
        return name + " (" + quote(code) + ")";
    }

    /** {@code 'X'} for printable codes, {@code 0x00} otherwise. */
    static String quote(char code) {
        return code >= 0x21 && code < 0x7F
                ? "'" + code + "'"
                : String.format("0x%02X", (int) code);
    }
}
