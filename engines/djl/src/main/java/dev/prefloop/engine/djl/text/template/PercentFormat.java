package dev.prefloop.engine.djl.text.template;

import java.util.List;
import java.util.Map;

/** Python's printf-style {@code "fmt" % args} (and jinja2's {@code |format} filter). */
final class PercentFormat {

    private PercentFormat() {}

    static String format(String fmt, Object args) {
        List<?> values = args instanceof PyTuple t ? t : null;
        Map<?, ?> mapping = args instanceof Map<?, ?> m ? m : null;
        int next = 0;
        boolean usedSingle = false;
        StringBuilder out = new StringBuilder();
        int i = 0;
        int n = fmt.length();
        while (i < n) {
            char c = fmt.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            if (i >= n) {
                throw RenderException.of("incomplete format");
            }
            Object value = null;
            boolean haveValue = false;
            if (fmt.charAt(i) == '(') {
                int close = fmt.indexOf(')', i);
                if (close < 0) {
                    throw RenderException.of("incomplete format key");
                }
                if (mapping == null) {
                    throw RenderException.of("format requires a mapping");
                }
                String key = fmt.substring(i + 1, close);
                value = PythonOperators.mapGet(mapping, key);
                if (value == PythonOperators.MISSING) {
                    throw RenderException.of("KeyError: " + PyRepr.repr(key));
                }
                haveValue = true;
                i = close + 1;
            }
            boolean left = false;
            boolean plus = false;
            boolean space = false;
            boolean zero = false;
            boolean alt = false;
            for (; i < n && "-+ #0".indexOf(fmt.charAt(i)) >= 0; i++) {
                switch (fmt.charAt(i)) {
                    case '-' -> left = true;
                    case '+' -> plus = true;
                    case ' ' -> space = true;
                    case '#' -> alt = true;
                    default -> zero = true;
                }
            }
            int width = 0;
            if (i < n && fmt.charAt(i) == '*') {
                i++;
                Object w = values != null && next < values.size() ? values.get(next++) : null;
                width = (int) PythonOperators.toLong(w);
            }
            while (i < n && Character.isDigit(fmt.charAt(i))) {
                width = width * 10 + (fmt.charAt(i++) - '0');
            }
            int precision = -1;
            if (i < n && fmt.charAt(i) == '.') {
                i++;
                precision = 0;
                while (i < n && Character.isDigit(fmt.charAt(i))) {
                    precision = precision * 10 + (fmt.charAt(i++) - '0');
                }
            }
            while (i < n && "hlL".indexOf(fmt.charAt(i)) >= 0) {
                i++;
            }
            if (i >= n) {
                throw RenderException.of("incomplete format");
            }
            char type = fmt.charAt(i++);
            if (type == '%') {
                out.append('%');
                continue;
            }
            if (!haveValue) {
                if (values != null) {
                    if (next >= values.size()) {
                        throw RenderException.of("not enough arguments for format string");
                    }
                    value = values.get(next++);
                } else if (mapping != null) {
                    value = mapping;
                } else {
                    if (usedSingle) {
                        throw RenderException.of("not enough arguments for format string");
                    }
                    usedSingle = true;
                    value = args;
                }
            }
            String body = convert(type, value, precision, plus, space, alt);
            char fill = zero && !left && "diufFeEgGxXo".indexOf(type) >= 0 ? '0' : ' ';
            out.append(PyNumberFormat.pad(body, width, fill, left ? '<' : fill == '0' ? '=' : '>'));
        }
        // Python skips this check when the argument is any non-tuple container (a list counts too)
        boolean consumedAll = values != null ? next == values.size()
                : mapping != null || usedSingle || args instanceof java.util.List || args instanceof Undefined;
        if (!consumedAll) {
            throw RenderException.of("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static String convert(char type, Object value, int precision, boolean plus, boolean space, boolean alt) {
        switch (type) {
            case 's', 'r', 'a' -> {
                String s = type == 's' ? PyRepr.str(value) : PyRepr.repr(value);
                return precision >= 0 && precision < s.length() ? s.substring(0, precision) : s;
            }
            case 'c' -> {
                return value instanceof String s ? s : Character.toString((int) PythonOperators.toLong(value));
            }
            default -> { }
        }
        PythonOperators.failIfUndefined(value);
        if (!PythonOperators.isNumber(value)) {
            throw RenderException.of("%" + type + " format: a real number is required, not " + PyRepr.typeName(value));
        }
        String body = switch (type) {
            case 'd', 'i', 'u' -> value instanceof Double d ? ValueFilters.truncate(d).toString()
                    : value instanceof java.math.BigInteger bi ? bi.toString() : Long.toString(PythonOperators.toLong(value));
            case 'x' -> (alt ? "0x" : "") + Long.toHexString(integer(value, type));
            case 'X' -> (alt ? "0X" : "") + Long.toHexString(integer(value, type)).toUpperCase();
            case 'o' -> (alt ? "0o" : "") + Long.toOctalString(integer(value, type));
            case 'f', 'F' -> PyNumberFormat.fixed(PythonOperators.toDouble(value), precision < 0 ? 6 : precision);
            case 'e', 'E' -> PyNumberFormat.exponent(PythonOperators.toDouble(value), precision < 0 ? 6 : precision, type == 'E');
            case 'g', 'G' -> PyNumberFormat.general(PythonOperators.toDouble(value), precision < 0 ? 6 : precision, type == 'G', alt);
            default -> throw RenderException.of("unsupported format character '" + type + "'");
        };
        if (!body.startsWith("-")) {
            body = (plus ? "+" : space ? " " : "") + body;
        }
        return body;
    }

    private static long integer(Object value, char type) {
        if (value instanceof Double) {
            throw RenderException.of("%" + type + " format: an integer is required, not float");
        }
        return PythonOperators.toLong(value);
    }
}
