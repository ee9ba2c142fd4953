// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.filters.spf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;

/**
 * A parsed macro-string (RFC 7208 §7.1): literals and {@code %{...}} expansions, checked once
 * when the record is parsed and expanded per check.
 *
 * <pre>
 * macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
 * transformers = *DIGIT [ "r" ]       delimiter = "." / "-" / "+" / "," / "/" / "_" / "="
 * </pre>
 */
final class MacroString {
    /** Where the string appears, which decides the characters and macro letters allowed. */
    enum Kind {
        /** A domain-spec: visible ASCII, letters {@code slodipvh} (c, r and t are exp-only, §7.3). */
        DOMAIN("slodipvh", false),
        /** An explanation string fetched by exp=: spaces allowed, every letter. */
        EXPLANATION("slodipvhcrt", true),
        /** The value of a modifier this implementation does not know: checked, then ignored. */
        UNKNOWN_MODIFIER("slodipvhcrt", false);

        private final String letters;
        private final boolean spaces;

        Kind(String letters, boolean spaces) {
            this.letters = letters;
            this.spaces = spaces;
        }
    }

    /** The value of each macro letter for one evaluation (lower-case letter in, raw value out). */
    interface Values {
        String value(char letter);
    }

    private sealed interface Part permits Literal, Escape, Expand {}

    private record Literal(String text) implements Part {}

    /** {@code %%}, {@code %_}, {@code %-}: literal output, but a macro-expand for the domain-end rule. */
    private record Escape(String text) implements Part {}

    private record Expand(char letter, boolean escape, int keep, boolean reverse, String delimiters) implements Part {}

    private static final String DELIMITERS = ".-+,/_=";

    private final String text;
    private final List<Part> parts;

    private MacroString(String text, List<Part> parts) {
        this.text = text;
        this.parts = parts;
    }

    /** Parses {@code text}; a syntax error is a PermError naming the offending spot. */
    static MacroString parse(String text, Kind kind) throws SpfException {
        List<Part> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '%') {
                boolean ok = (c >= 0x21 && c <= 0x7e) || (c == ' ' && kind.spaces);
                if (!ok) throw SpfException.permError("invalid character " + describe(c) + " in '" + text + "'");
                literal.append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.length()) throw SpfException.permError("'%' at the end of '" + text + "'");
            char n = text.charAt(i + 1);
            String escaped = switch (n) {
                case '%' -> "%";
                case '_' -> " ";
                case '-' -> "%20";
                default -> null;
            };
            if (escaped != null || n == '{') flush(literal, parts);
            if (escaped != null) {
                parts.add(new Escape(escaped));
                i += 2;
                continue;
            }
            if (n != '{') throw SpfException.permError("'%' must be followed by '{', '%', '_' or '-' in '" + text + "'");
            int close = text.indexOf('}', i + 2);
            if (close < 0) throw SpfException.permError("unterminated macro in '" + text + "'");
            parts.add(expand(text.substring(i + 2, close), kind, text));
            i = close + 1;
        }
        flush(literal, parts);
        return new MacroString(text, List.copyOf(parts));
    }

    /** Parses an explanation from the configuration; a syntax error is an {@link IllegalArgumentException}. */
    static MacroString explanation(String text) {
        try {
            return parse(text, Kind.EXPLANATION);
        } catch (SpfException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static void flush(StringBuilder literal, List<Part> parts) {
        if (literal.length() > 0) {
            parts.add(new Literal(literal.toString()));
            literal.setLength(0);
        }
    }

    private static Expand expand(String body, Kind kind, String text) throws SpfException {
        if (body.isEmpty()) throw SpfException.permError("empty macro in '" + text + "'");
        char raw = body.charAt(0);
        char letter = Character.toLowerCase(raw);
        if (raw > 0x7f || kind.letters.indexOf(letter) < 0) {
            throw SpfException.permError("macro letter '" + raw + "' is not allowed here in '" + text + "'");
        }
        int i = 1;
        int digitsStart = i;
        while (i < body.length() && body.charAt(i) >= '0' && body.charAt(i) <= '9') i++;
        int keep = 0;
        if (i > digitsStart) {
            String digits = body.substring(digitsStart, i).replaceFirst("^0+(?=\\d)", "");
            // more parts than any name can have: keep them all
            keep = digits.length() > 3 ? 999 : Integer.parseInt(digits);
            if (keep == 0) throw SpfException.permError("macro transformer 0 in '" + text + "' (must be 1 or more)");
        }
        boolean reverse = false;
        if (i < body.length() && (body.charAt(i) == 'r' || body.charAt(i) == 'R')) {
            reverse = true;
            i++;
        }
        String delimiters = body.substring(i);
        for (int k = 0; k < delimiters.length(); k++) {
            if (DELIMITERS.indexOf(delimiters.charAt(k)) < 0) {
                throw SpfException.permError("invalid macro delimiter " + describe(delimiters.charAt(k)) + " in '" + text + "'");
            }
        }
        return new Expand(letter, Character.isUpperCase(raw), keep, reverse, delimiters);
    }

    /** Expands every macro; the values come from {@code values}. */
    String expand(Values values) {
        if (parts.size() == 1 && parts.get(0) instanceof Literal l) return l.text();
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            switch (p) {
                case Literal l -> sb.append(l.text());
                case Escape e -> sb.append(e.text());
                case Expand x -> sb.append(apply(x, values.value(x.letter())));
            }
        }
        return sb.toString();
    }

    /** Split on the delimiters, reverse, keep the right-most parts, join with dots (§7.3), then URL-escape for upper-case letters. */
    private static String apply(Expand x, String value) {
        String out = value;
        if (x.keep() > 0 || x.reverse() || !x.delimiters().isEmpty()) {
            String delims = x.delimiters().isEmpty() ? "." : x.delimiters();
            List<String> labels = new ArrayList<>(Arrays.asList(split(value, delims)));
            if (x.reverse()) Collections.reverse(labels);
            if (x.keep() > 0 && x.keep() < labels.size()) labels = labels.subList(labels.size() - x.keep(), labels.size());
            out = String.join(".", labels);
        }
        return x.escape() ? urlEscape(out) : out;
    }

    private static String[] split(String value, String delims) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < value.length(); i++) {
            if (delims.indexOf(value.charAt(i)) >= 0) {
                out.add(value.substring(start, i));
                start = i + 1;
            }
        }
        out.add(value.substring(start));
        return out.toArray(String[]::new);
    }

    /** RFC 3986 percent-encoding of everything but the unreserved characters (RFC 7208 §7.3). */
    static String urlEscape(String s) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return sb.toString();
    }

    /** True if the string ends with a macro-expand (including %%, %_ and %-), which may end a domain-spec. */
    boolean endsWithMacro() {
        return !parts.isEmpty() && !(parts.get(parts.size() - 1) instanceof Literal);
    }

    /** The literal text after the last macro-expand (all of it if there is none). */
    String trailingLiteral() {
        return !parts.isEmpty() && parts.get(parts.size() - 1) instanceof Literal l ? l.text() : "";
    }

    @Override
    public String toString() {
        return text;
    }

    private static String describe(char c) {
        return c >= 0x21 && c <= 0x7e ? "'" + c + "'" : String.format(Locale.ROOT, "U+%04X", (int) c);
    }
}
