package dev.prefloop.engine.djl.text.template;

/** Decodes the escapes of a template string literal as jinja2 does (Python's unicode-escape codec). */
final class StringLiteral {

    private StringLiteral() {}

    static String unescape(String body, int line) {
        StringBuilder sb = new StringBuilder(body.length());
        int i = 0;
        while (i < body.length()) {
            char c = body.charAt(i);
            if (c != '\\' || i + 1 >= body.length()) {
                sb.append(c);
                i++;
                continue;
            }
            char e = body.charAt(i + 1);
            i += 2;
            switch (e) {
                case '\n' -> { }
                case '\\' -> sb.append('\\');
                case '\'' -> sb.append('\'');
                case '"' -> sb.append('"');
                case 'a' -> sb.append('\u0007');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'v' -> sb.append('\u000b');
                case 'x' -> i = hex(body, i, 2, sb, line);
                case 'u' -> i = hex(body, i, 4, sb, line);
                case 'U' -> i = hex(body, i, 8, sb, line);
                case 'N' -> i = named(body, i, sb, line);
                default -> {
                    if (e >= '0' && e <= '7') {
                        int end = i - 1;
                        while (end < body.length() && end < i + 2 && body.charAt(end) >= '0' && body.charAt(end) <= '7') {
                            end++;
                        }
                        sb.appendCodePoint(Integer.parseInt(body.substring(i - 1, end), 8));
                        i = end;
                    } else {
                        sb.append('\\').append(e);
                    }
                }
            }
        }
        return sb.toString();
    }

    private static int hex(String body, int from, int digits, StringBuilder sb, int line) {
        if (from + digits > body.length()) {
            throw new TemplateSyntaxException("truncated \\" + body.charAt(from - 1) + " escape in string literal", line);
        }
        try {
            sb.appendCodePoint(Integer.parseInt(body.substring(from, from + digits), 16));
        } catch (IllegalArgumentException ex) {
            throw new TemplateSyntaxException("invalid \\" + body.charAt(from - 1) + " escape in string literal", line);
        }
        return from + digits;
    }

    private static int named(String body, int from, StringBuilder sb, int line) {
        int close = body.indexOf('}', from);
        if (from >= body.length() || body.charAt(from) != '{' || close < 0) {
            throw new TemplateSyntaxException("malformed \\N character escape in string literal", line);
        }
        try {
            sb.appendCodePoint(Character.codePointOf(body.substring(from + 1, close)));
        } catch (IllegalArgumentException ex) {
            throw new TemplateSyntaxException("unknown Unicode character name in string literal", line);
        }
        return close + 1;
    }
}
