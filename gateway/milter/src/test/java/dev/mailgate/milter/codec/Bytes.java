// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.codec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Builds expected wire bytes by hand, independently of the code under test. */
final class Bytes {
    private Bytes() {
    }

    /** A complete packet: uint32 length (code + data), code, data parts concatenated. */
    static byte[] packet(char code, byte[]... parts) {
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            data.writeBytes(p);
        }
        int len = data.size() + 1;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(u32(len));
        out.write(code);
        out.writeBytes(data.toByteArray());
        return out.toByteArray();
    }

    /** A NUL-terminated UTF-8 string. */
    static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[b.length + 1];
        System.arraycopy(b, 0, out, 0, b.length);
        return out;
    }

    /** Raw bytes without terminator. */
    static byte[] raw(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    static byte[] u32(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    static byte[] u16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    static byte[] b(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
