// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.milter.codec.MilterCommand.Abort;
import dev.mailgate.milter.codec.MilterCommand.BodyChunk;
import dev.mailgate.milter.codec.MilterCommand.Connect;
import dev.mailgate.milter.codec.MilterCommand.Data;
import dev.mailgate.milter.codec.MilterCommand.EndOfHeaders;
import dev.mailgate.milter.codec.MilterCommand.EndOfMessage;
import dev.mailgate.milter.codec.MilterCommand.Header;
import dev.mailgate.milter.codec.MilterCommand.Helo;
import dev.mailgate.milter.codec.MilterCommand.MacroDefinition;
import dev.mailgate.milter.codec.MilterCommand.MailFrom;
import dev.mailgate.milter.codec.MilterCommand.OptionNegotiation;
import dev.mailgate.milter.codec.MilterCommand.Quit;
import dev.mailgate.milter.codec.MilterCommand.QuitNoClose;
import dev.mailgate.milter.codec.MilterCommand.RcptTo;
import dev.mailgate.milter.codec.MilterCommand.Unknown;
import io.netty.buffer.ByteBuf;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;
import java.util.List;

/** Payload formats of the MTA to milter packets (reference section 3). */
final class CommandCodec {
    private CommandCodec() {
    }

    /** Decodes the payload of a packet with command {@code code}; the payload is fully consumed. */
    static MilterCommand decode(char code, ByteBuf payload, Charset charset) {
        PayloadReader r = new PayloadReader(payload, commandName(code), charset);
        try {
            return switch (code) {
                case SMFIC_OPTNEG -> {
                    // libmilter reads the first 12 bytes and ignores anything after them
                    int version = r.readInt("version");
                    int actions = r.readInt("actions");
                    int protocol = r.readInt("protocol");
                    payload.skipBytes(payload.readableBytes());
                    yield new OptionNegotiation(version, actions, protocol);
                }
                case SMFIC_MACRO -> decodeMacros(r);
                case SMFIC_CONNECT -> decodeConnect(r, payload);
                case SMFIC_HELO -> new Helo(single(r, "helo name"));
                case SMFIC_MAIL -> new MailFrom(argv(r, "MAIL argument"));
                case SMFIC_RCPT -> new RcptTo(argv(r, "RCPT argument"));
                case SMFIC_DATA -> empty(r, MilterCommand.DATA);
                case SMFIC_HEADER -> {
                    String name = r.readString("header name");
                    String value = r.readString("header value");
                    r.expectEnd();
                    yield new Header(name, value);
                }
                case SMFIC_EOH -> empty(r, MilterCommand.END_OF_HEADERS);
                case SMFIC_BODY -> new BodyChunk(r.readRest());
                case SMFIC_BODYEOB -> payload.isReadable() ? new EndOfMessage(r.readRest()) : MilterCommand.END_OF_MESSAGE;
                case SMFIC_ABORT -> empty(r, MilterCommand.ABORT);
                case SMFIC_QUIT -> empty(r, MilterCommand.QUIT);
                case SMFIC_QUIT_NC -> empty(r, MilterCommand.QUIT_NO_CLOSE);
                case SMFIC_UNKNOWN -> new Unknown(single(r, "command"));
                default -> throw new MilterCodecException("unknown command code " + MilterConstants.quote(code)
                        + " with " + payload.readableBytes() + " data bytes");
            };
        } catch (IllegalArgumentException e) {
            throw r.error(e.getMessage());
        }
    }

    private static MacroDefinition decodeMacros(PayloadReader r) {
        char stage = r.readByte("macro stage");
        List<String> argv = r.readStrings("macro string");
        if (argv.size() % 2 != 0) {
            throw r.error("macro '" + argv.get(argv.size() - 1) + "' for stage '" + stage + "' has no value");
        }
        LinkedHashMap<String, String> macros = new LinkedHashMap<>();
        for (int i = 0; i < argv.size(); i += 2) {
            macros.put(argv.get(i), argv.get(i + 1));
        }
        return new MacroDefinition(stage, macros);
    }

    private static Connect decodeConnect(PayloadReader r, ByteBuf payload) {
        String host = r.readString("hostname");
        char family = r.readByte("address family");
        switch (family) {
            case SMFIA_UNKNOWN -> {
                // nothing follows 'U'; libmilter ignores any extra bytes, so do we
                payload.skipBytes(payload.readableBytes());
                return Connect.unknown(host);
            }
            case SMFIA_INET, SMFIA_INET6, SMFIA_UNIX -> {
                int port = r.readUnsignedShort("port");
                String address = r.readString("address");
                r.expectEnd();
                return new Connect(host, family, port, address);
            }
            default -> throw r.error("unknown address family " + MilterConstants.quote(family) + " (expected '4', '6', 'L' or 'U')");
        }
    }

    private static String single(PayloadReader r, String field) {
        String s = r.readString(field);
        r.expectEnd();
        return s;
    }

    private static List<String> argv(PayloadReader r, String field) {
        List<String> args = r.readStrings(field);
        if (args.isEmpty()) {
            throw r.error("missing address (empty payload)");
        }
        return args;
    }

    private static <T extends MilterCommand> T empty(PayloadReader r, T instance) {
        r.expectEnd();
        return instance;
    }

    /** Writes the whole packet: length, code and payload. */
    static void encode(MilterCommand cmd, ByteBuf out, Charset charset) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeByte(cmd.code());
        switch (cmd) {
            case OptionNegotiation o -> out.writeInt(o.version()).writeInt(o.actions()).writeInt(o.protocol());
            case MacroDefinition d -> {
                out.writeByte(d.stage());
                d.macros().forEach((k, v) -> {
                    Wire.writeString(out, k, charset);
                    Wire.writeString(out, v, charset);
                });
            }
            case Connect c -> {
                Wire.writeString(out, c.hostname(), charset);
                out.writeByte(c.family());
                if (c.family() != SMFIA_UNKNOWN) {
                    out.writeShort(c.port());
                    Wire.writeString(out, c.address(), charset);
                }
            }
            case Helo h -> Wire.writeString(out, h.name(), charset);
            case MailFrom m -> m.args().forEach(a -> Wire.writeString(out, a, charset));
            case RcptTo rc -> rc.args().forEach(a -> Wire.writeString(out, a, charset));
            case Header h -> {
                Wire.writeString(out, h.name(), charset);
                Wire.writeString(out, h.value(), charset);
            }
            case BodyChunk b -> out.writeBytes(b.data());
            case EndOfMessage e -> out.writeBytes(e.data());
            case Unknown u -> Wire.writeString(out, u.command(), charset);
            case Data d -> { }
            case EndOfHeaders e -> { }
            case Abort a -> { }
            case Quit q -> { }
            case QuitNoClose k -> { }
        }
        Wire.patchLength(out, start);
    }

    /** A good first guess of the encoded size, so that large chunks need no buffer growth. */
    static int estimateSize(MilterCommand cmd) {
        return switch (cmd) {
            case BodyChunk b -> MILTER_LEN_BYTES + 1 + b.data().length;
            case EndOfMessage e -> MILTER_LEN_BYTES + 1 + e.data().length;
            default -> 64;
        };
    }
}
