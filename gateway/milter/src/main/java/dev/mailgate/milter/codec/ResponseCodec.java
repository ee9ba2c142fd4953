// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import static dev.mailgate.milter.codec.MilterConstants.*;

import dev.mailgate.milter.codec.MilterResponse.Accept;
import dev.mailgate.milter.codec.MilterResponse.AddHeader;
import dev.mailgate.milter.codec.MilterResponse.AddRecipient;
import dev.mailgate.milter.codec.MilterResponse.AddRecipientWithArgs;
import dev.mailgate.milter.codec.MilterResponse.ChangeFrom;
import dev.mailgate.milter.codec.MilterResponse.ChangeHeader;
import dev.mailgate.milter.codec.MilterResponse.ConnectionFailure;
import dev.mailgate.milter.codec.MilterResponse.Continue;
import dev.mailgate.milter.codec.MilterResponse.DeleteRecipient;
import dev.mailgate.milter.codec.MilterResponse.Discard;
import dev.mailgate.milter.codec.MilterResponse.InsertHeader;
import dev.mailgate.milter.codec.MilterResponse.OptionNegotiationReply;
import dev.mailgate.milter.codec.MilterResponse.Progress;
import dev.mailgate.milter.codec.MilterResponse.Quarantine;
import dev.mailgate.milter.codec.MilterResponse.Reject;
import dev.mailgate.milter.codec.MilterResponse.ReplaceBody;
import dev.mailgate.milter.codec.MilterResponse.ReplyCode;
import dev.mailgate.milter.codec.MilterResponse.Shutdown;
import dev.mailgate.milter.codec.MilterResponse.Skip;
import dev.mailgate.milter.codec.MilterResponse.TempFail;
import io.netty.buffer.ByteBuf;
import java.nio.charset.Charset;
import java.util.LinkedHashMap;

/** Payload formats of the milter to MTA packets (reference sections 4 and 5). */
final class ResponseCodec {
    private ResponseCodec() {
    }

    /** Decodes the payload of a packet with reply code {@code code}; the payload is fully consumed. */
    static MilterResponse decode(char code, ByteBuf payload, Charset charset) {
        PayloadReader r = new PayloadReader(payload, responseName(code), charset);
        try {
            return switch (code) {
                case SMFIR_OPTNEG -> decodeOptneg(r);
                case SMFIR_CONTINUE -> empty(r, MilterResponse.CONTINUE);
                case SMFIR_ACCEPT -> empty(r, MilterResponse.ACCEPT);
                case SMFIR_REJECT -> empty(r, MilterResponse.REJECT);
                case SMFIR_TEMPFAIL -> empty(r, MilterResponse.TEMPFAIL);
                case SMFIR_DISCARD -> empty(r, MilterResponse.DISCARD);
                case SMFIR_SKIP -> empty(r, MilterResponse.SKIP);
                case SMFIR_PROGRESS -> empty(r, MilterResponse.PROGRESS);
                case SMFIR_SHUTDOWN -> empty(r, MilterResponse.SHUTDOWN);
                case SMFIR_CONN_FAIL -> empty(r, MilterResponse.CONNECTION_FAILURE);
                case SMFIR_REPLYCODE -> new ReplyCode(single(r, "reply text"));
                case SMFIR_ADDHEADER -> {
                    String name = r.readString("header name");
                    String value = r.readString("header value");
                    r.expectEnd();
                    yield new AddHeader(name, value);
                }
                case SMFIR_INSHEADER, SMFIR_CHGHEADER -> {
                    int index = r.readInt("header index");
                    String name = r.readString("header name");
                    String value = r.readString("header value");
                    r.expectEnd();
                    yield code == SMFIR_INSHEADER ? new InsertHeader(index, name, value) : new ChangeHeader(index, name, value);
                }
                case SMFIR_ADDRCPT -> new AddRecipient(single(r, "recipient"));
                case SMFIR_DELRCPT -> new DeleteRecipient(single(r, "recipient"));
                case SMFIR_ADDRCPT_PAR -> {
                    String rcpt = r.readString("recipient");
                    yield new AddRecipientWithArgs(rcpt, optional(r));
                }
                case SMFIR_CHGFROM -> {
                    String sender = r.readString("sender");
                    yield new ChangeFrom(sender, optional(r));
                }
                case SMFIR_REPLBODY -> new ReplaceBody(r.readRest());
                case SMFIR_QUARANTINE -> new Quarantine(single(r, "reason"));
                case SMFIR_SETSYMLIST -> throw r.error("is reserved; macro lists travel inside the 'O' reply");
                default -> throw new MilterCodecException("unknown reply code " + MilterConstants.quote(code)
                        + " with " + payload.readableBytes() + " data bytes");
            };
        } catch (IllegalArgumentException e) {
            // record validation, e.g. a malformed SMFIR_REPLYCODE text or an oversized body chunk
            throw r.error(e.getMessage());
        }
    }

    private static OptionNegotiationReply decodeOptneg(PayloadReader r) {
        int version = r.readInt("version");
        int actions = r.readInt("actions");
        int protocol = r.readInt("protocol");
        LinkedHashMap<Integer, String> lists = new LinkedHashMap<>();
        while (r.hasMore()) {
            int stage = r.readInt("macro list stage");
            String names = r.readString("macro list for stage " + stage);
            if (lists.put(stage, names) != null) {
                throw r.error("macro list for stage " + stage + " appears twice");
            }
        }
        return new OptionNegotiationReply(version, actions, protocol, lists);
    }

    /** The optional second string of {@code e} and {@code 2} (libmilter's two-string encoding). */
    private static String optional(PayloadReader r) {
        String args = r.hasMore() ? r.readString("ESMTP args") : "";
        r.expectEnd();
        return args;
    }

    private static String single(PayloadReader r, String field) {
        String s = r.readString(field);
        r.expectEnd();
        return s;
    }

    private static <T extends MilterResponse> T empty(PayloadReader r, T instance) {
        r.expectEnd();
        return instance;
    }

    /** Writes the whole packet: length, code and payload. */
    static void encode(MilterResponse resp, ByteBuf out, Charset charset) {
        int start = out.writerIndex();
        out.writeInt(0);
        out.writeByte(resp.code());
        switch (resp) {
            case OptionNegotiationReply o -> {
                out.writeInt(o.version()).writeInt(o.actions()).writeInt(o.protocol());
                o.macroLists().forEach((stage, names) -> {
                    out.writeInt(stage);
                    Wire.writeString(out, names, charset);
                });
            }
            case ReplyCode y -> Wire.writeString(out, y.text(), charset);
            case AddHeader h -> header(out, h.name(), h.value(), charset);
            case InsertHeader i -> {
                out.writeInt(i.index());
                header(out, i.name(), i.value(), charset);
            }
            case ChangeHeader m -> {
                out.writeInt(m.index());
                header(out, m.name(), m.value(), charset);
            }
            case AddRecipient a -> Wire.writeString(out, a.rcpt(), charset);
            case AddRecipientWithArgs a -> twoStrings(out, a.rcpt(), a.esmtpArgs(), charset);
            case DeleteRecipient d -> Wire.writeString(out, d.rcpt(), charset);
            case ChangeFrom e -> twoStrings(out, e.sender(), e.esmtpArgs(), charset);
            case ReplaceBody b -> out.writeBytes(b.chunk());
            case Quarantine q -> Wire.writeString(out, q.reason(), charset);
            case Continue c -> { }
            case Accept a -> { }
            case Reject rj -> { }
            case TempFail t -> { }
            case Discard d -> { }
            case Skip s -> { }
            case Progress p -> { }
            case Shutdown s -> { }
            case ConnectionFailure f -> { }
        }
        Wire.patchLength(out, start);
    }

    private static void header(ByteBuf out, String name, String value, Charset charset) {
        Wire.writeString(out, name, charset);
        Wire.writeString(out, value, charset);
    }

    /** Like libmilter's {@code send2}: the second string only when there is one. */
    private static void twoStrings(ByteBuf out, String first, String second, Charset charset) {
        Wire.writeString(out, first, charset);
        if (!second.isEmpty()) {
            Wire.writeString(out, second, charset);
        }
    }

    /** A good first guess of the encoded size, so that body chunks need no buffer growth. */
    static int estimateSize(MilterResponse resp) {
        return resp instanceof ReplaceBody b ? MILTER_LEN_BYTES + 1 + b.chunk().length : 64;
    }
}
