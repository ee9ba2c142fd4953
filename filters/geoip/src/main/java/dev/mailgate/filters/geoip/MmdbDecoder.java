// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.geoip;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes the MaxMind DB data format for the metadata section ({@link MmdbMetadata}): maps,
 * arrays, strings, integers, booleans and floating point, and pointers (MaxMind's writers use them
 * for repeated strings). Every read is bounds-checked and nesting is bounded, so a crafted file
 * ends in an {@link IllegalStateException} saying what is wrong, never in a loop or an overflow.
 * Unsigned integers come back as {@link BigInteger}; byte strings are skipped.
 */
final class MmdbDecoder {
    private static final int MAX_DEPTH = 8;
    private final ByteBuffer buf;
    private final int base;
    private int pos;

    MmdbDecoder(ByteBuffer buf, int start) {
        this.buf = buf;
        this.base = start;
        this.pos = start;
    }

    Object decode(int depth) {
        if (depth > MAX_DEPTH) throw new IllegalStateException("nested more than " + MAX_DEPTH + " levels");
        int ctrl = u8();
        int type = ctrl >>> 5;
        if (type == 0) {
            type = 7 + u8();
            if (type < 8) throw new IllegalStateException("extended type " + type + " is not an extended type");
        }
        if (type == 1) return followPointer(ctrl, depth);
        int size = ctrl & 0x1f;
        if (size == 29) size = 29 + u8();
        else if (size == 30) size = 285 + (int) unsigned(2).longValue();
        else if (size == 31) size = 65_821 + (int) unsigned(3).longValue();
        return switch (type) {
            case 2 -> string(size);
            case 3 -> { fixed(size, 8, "double"); yield buf.getDouble(advance(8)); }
            case 4 -> { advance(size); yield new byte[0]; }
            case 5 -> bounded(size, 2, "uint16");
            case 6 -> bounded(size, 4, "uint32");
            case 8 -> bounded(size, 4, "int32");
            case 9 -> bounded(size, 8, "uint64");
            case 10 -> bounded(size, 16, "uint128");
            case 7 -> map(size, depth);
            case 11 -> array(size, depth);
            case 14 -> { if (size > 1) throw new IllegalStateException("boolean of size " + size); yield size == 1; }
            case 15 -> { fixed(size, 4, "float"); yield buf.getFloat(advance(4)); }
            default -> throw new IllegalStateException("data type " + type + " is not allowed in metadata");
        };
    }

    /**
     * Decodes the value a pointer refers to and continues after the pointer. Metadata
     * pointers count from the start of the metadata (as MaxMind's writers emit them, e.g.
     * for repeated strings); a pointer to a pointer is invalid, and a loop ends at MAX_DEPTH.
     */
    private Object followPointer(int ctrl, int depth) {
        int high = ctrl & 0x07;
        long target = switch ((ctrl >>> 3) & 0x03) {
            case 0 -> ((long) high << 8) | u8();
            case 1 -> (((long) high << 16) | unsigned(2).longValue()) + 2048;
            case 2 -> (((long) high << 24) | unsigned(3).longValue()) + 526_336;
            default -> unsigned(4).longValue();
        };
        if (target >= buf.limit() - base) throw new IllegalStateException("pointer past the end of the file");
        int resume = pos;
        pos = base + (int) target;
        if ((buf.get(pos) & 0xff) >>> 5 == 1) throw new IllegalStateException("pointer to a pointer");
        Object value = decode(depth + 1);
        pos = resume;
        return value;
    }

    private Map<String, Object> map(int size, int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < size; i++) {
            if (!(decode(depth + 1) instanceof String key)) throw new IllegalStateException("map key is not a string");
            m.put(key, decode(depth + 1));
        }
        return m;
    }

    private List<Object> array(int size, int depth) {
        List<Object> l = new ArrayList<>();
        for (int i = 0; i < size; i++) l.add(decode(depth + 1));
        return l;
    }

    private String string(int size) {
        byte[] b = new byte[size];
        buf.get(advance(size), b);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("string is not valid UTF-8");
        }
    }

    private BigInteger bounded(int size, int max, String what) {
        if (size > max) throw new IllegalStateException(what + " of " + size + " bytes");
        return unsigned(size);
    }

    private static void fixed(int size, int expected, String what) {
        if (size != expected) throw new IllegalStateException(what + " of " + size + " bytes");
    }

    private BigInteger unsigned(int n) {
        int at = advance(n);
        BigInteger v = BigInteger.ZERO;
        for (int i = 0; i < n; i++) v = v.shiftLeft(8).or(BigInteger.valueOf(buf.get(at + i) & 0xff));
        return v;
    }

    private int u8() {
        return buf.get(advance(1)) & 0xff;
    }

    /** Reserves n bytes and returns where they start; a read past the end is a truncated file. */
    private int advance(int n) {
        if (n < 0 || pos > buf.limit() - n) throw new IllegalStateException("a value runs past the end of the file (truncated?)");
        int at = pos;
        pos += n;
        return at;
    }
}
