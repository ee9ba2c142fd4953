// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench.jmh;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.core.session.SessionEvent;
import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterPackets;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One message as the benchmarks feed it: the same shape the load driver sends (Postfix 3.7's
 * default macro set, {@code headers} header fields, a body of {@code bodySize} bytes in chunks of
 * at most 65535), either as the milter packet stream Postfix writes or as the session events a
 * front end produces from it.
 */
final class SampleMessage {
    static final String CLIENT_IP = "198.51.100.23";
    static final String CLIENT_NAME = "mail.sender.example";

    private SampleMessage() {
    }

    /** The header fields: From, To, Subject, Message-Id, Date, then {@code Received} and X- fields. */
    static List<String[]> headers(int count, String subject) {
        List<String[]> l = new ArrayList<>();
        for (int h = 0; h < count; h++) {
            l.add(switch (h) {
                case 0 -> new String[] {"From", "Sender <sender@example.org>"};
                case 1 -> new String[] {"To", "<rcpt0@example.net>"};
                case 2 -> new String[] {"Subject", subject};
                case 3 -> new String[] {"Message-Id", "<20261123154926.4711@example.org>"};
                case 4 -> new String[] {"Date", "Mon, 23 Nov 2026 15:49:26 +0000"};
                case 5, 6, 7 -> new String[] {"Received", "from relay" + h + ".example.org (relay" + h
                        + ".example.org [203.0.113." + h + "])\r\n\tby mx.example.org (Postfix) with ESMTPS id 4Xy" + h
                        + "; Mon, 23 Nov 2026 15:49:2" + h + " +0000 (UTC)"};
                default -> new String[] {"X-Bench-" + h, "value " + h};
            });
        }
        return l;
    }

    static byte[] body(int size) {
        byte[] line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\r\n".getBytes();
        byte[] body = new byte[size];
        for (int i = 0; i < body.length; i++) body[i] = line[i % line.length];
        return body;
    }

    static List<byte[]> chunks(byte[] body) {
        List<byte[]> l = new ArrayList<>();
        for (int off = 0; off < body.length; off += MILTER_MAX_DATA_SIZE) {
            l.add(Arrays.copyOfRange(body, off, Math.min(body.length, off + MILTER_MAX_DATA_SIZE)));
        }
        return l;
    }

    /**
     * The bytes Postfix writes to a milter for one message on a new connection: option
     * negotiation, then each event preceded by its macros, the headers, the body, end of message,
     * ABORT (Postfix sends it after every message) and QUIT.
     */
    static byte[] milterStream(int headers, int bodySize) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<MilterCommand> cmds = new ArrayList<>();
        cmds.add(new MilterCommand.OptionNegotiation(6, 0x1FF, SMFI_CURR_PROT));
        cmds.add(macros(SMFIC_CONNECT, "j", "mx.example.org", "{daemon_name}", "mx.example.org", "{daemon_addr}", "127.0.0.1",
                "v", "Postfix 3.7.11", "_", CLIENT_NAME + " [" + CLIENT_IP + "]", "{client_addr}", CLIENT_IP,
                "{client_name}", CLIENT_NAME, "{client_port}", "40123"));
        cmds.add(new MilterCommand.Connect(CLIENT_NAME, SMFIA_INET, 40123, CLIENT_IP));
        cmds.add(macros(SMFIC_HELO, "{tls_version}", "TLSv1.3", "{cipher}", "TLS_AES_256_GCM_SHA384", "{cipher_bits}", "256"));
        cmds.add(new MilterCommand.Helo(CLIENT_NAME));
        cmds.add(macros(SMFIC_MAIL, "i", "4Xy7Zq1c2Vz3", "{mail_addr}", "sender@example.org", "{mail_host}", "[127.0.0.1]:10025",
                "{mail_mailer}", "smtp"));
        cmds.add(MilterCommand.MailFrom.of("<sender@example.org>", "SIZE=" + bodySize, "BODY=8BITMIME"));
        cmds.add(macros(SMFIC_RCPT, "{rcpt_addr}", "rcpt0@example.net", "{rcpt_host}", "[127.0.0.1]:10026", "{rcpt_mailer}", "smtp"));
        cmds.add(MilterCommand.RcptTo.of("<rcpt0@example.net>"));
        cmds.add(macros(SMFIC_DATA, "i", "4Xy7Zq1c2Vz3"));
        cmds.add(MilterCommand.DATA);
        for (String[] h : headers(headers, "bench message")) {
            cmds.add(macros(SMFIC_HEADER, "i", "4Xy7Zq1c2Vz3"));
            cmds.add(new MilterCommand.Header(h[0], " " + h[1]));
        }
        cmds.add(macros(SMFIC_EOH, "i", "4Xy7Zq1c2Vz3"));
        cmds.add(MilterCommand.END_OF_HEADERS);
        for (byte[] c : chunks(body(bodySize))) {
            cmds.add(macros(SMFIC_BODY, "i", "4Xy7Zq1c2Vz3"));
            cmds.add(new MilterCommand.BodyChunk(c));
        }
        cmds.add(macros(SMFIC_BODYEOB, "i", "4Xy7Zq1c2Vz3"));
        cmds.add(MilterCommand.END_OF_MESSAGE);
        cmds.add(MilterCommand.ABORT);
        cmds.add(MilterCommand.QUIT);
        for (MilterCommand c : cmds) out.writeBytes(MilterPackets.encode(c));
        return out.toByteArray();
    }

    /** The number of packets {@link #milterStream} writes. */
    static int milterPackets(int headers, int bodySize) {
        return 17 + 2 * headers + 2 * chunks(body(bodySize)).size();
    }

    /** One whole message on its own connection, as the milter front end turns the stream into events. */
    static List<SessionEvent> sessionEvents(int headers, int bodySize, String subject) {
        List<SessionEvent> l = new ArrayList<>();
        l.add(new SessionEvent.Connect(CLIENT_NAME, CLIENT_IP, 40123, "127.0.0.1", 25));
        l.add(new SessionEvent.Ehlo(CLIENT_NAME, true));
        l.add(new SessionEvent.MailFrom("<sender@example.org>", List.of("SIZE=" + bodySize, "BODY=8BITMIME")));
        l.add(new SessionEvent.RcptTo("<rcpt0@example.net>", List.of()));
        l.add(new SessionEvent.Data());
        for (String[] h : headers(headers, subject)) l.add(new SessionEvent.Header(h[0], h[1]));
        l.add(new SessionEvent.EndOfHeaders());
        for (byte[] c : chunks(body(bodySize))) l.add(new SessionEvent.BodyChunk(c));
        l.add(new SessionEvent.EndOfData());
        l.add(new SessionEvent.Disconnect());
        return List.copyOf(l);
    }

    private static MilterCommand.MacroDefinition macros(char stage, String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) m.put(kv[k], kv[k + 1]);
        return new MilterCommand.MacroDefinition(stage, m);
    }
}
