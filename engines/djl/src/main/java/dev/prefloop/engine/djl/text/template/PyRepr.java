package dev.prefloop.engine.djl.text.template;

import java.math.BigDecimal;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Python's {@code str()} and {@code repr()} of template values: what {@code {{ x }}} prints. */
final class PyRepr {

    private PyRepr() {}

    /** Python {@code str(value)}; undefined prints as the empty string, as jinja2's Undefined does. */
    static String str(Object value) {
        if (value instanceof String s) {
            return s;
        }
        if (value instanceof Undefined) {
            return "";
        }
        if (value instanceof Markup m) {
            return m.text();
        }
        return repr(value);
    }

    /** Python {@code repr(value)}. */
    static String repr(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (value instanceof String s) {
            return reprString(s);
        }
        if (value instanceof Double d) {
            return reprFloat(d);
        }
        if (value instanceof Number n) {
            return n.toString();
        }
        if (value instanceof PyTuple t) {
            return t.size() == 1 ? "(" + repr(t.get(0)) + ",)" : joinRepr(t, "(", ")");
        }
        if (value instanceof PyRange r) {
            return r.step() == 1 ? "range(" + r.start() + ", " + r.stop() + ")"
                    : "range(" + r.start() + ", " + r.stop() + ", " + r.step() + ")";
        }
        if (value instanceof List<?> l) {
            return joinRepr(l, "[", "]");
        }
        if (value instanceof Map<?, ?> m) {
            return reprMap(m);
        }
        if (value instanceof Namespace ns) {
            return "<Namespace " + reprMap(ns.attributes()) + ">";
        }
        if (value instanceof Undefined) {
            return "Undefined";
        }
        if (value instanceof Markup m) {
            return "Markup(" + reprString(m.text()) + ")";
        }
        return value.toString();
    }

    /** The name of a value's Python type, as error messages print it ({@code 'int'}, {@code 'dict'}). */
    static String typeName(Object value) {
        if (value == null) {
            return "NoneType";
        }
        if (value instanceof Boolean) {
            return "bool";
        }
        if (value instanceof Long || value instanceof Integer || value instanceof java.math.BigInteger) {
            return "int";
        }
        if (value instanceof Double) {
            return "float";
        }
        if (value instanceof String) {
            return "str";
        }
        if (value instanceof Markup) {
            return "Markup";
        }
        if (value instanceof PyTuple) {
            return "tuple";
        }
        if (value instanceof PyRange) {
            return "range";
        }
        if (value instanceof List) {
            return "list";
        }
        if (value instanceof Map) {
            return "dict";
        }
        if (value instanceof Namespace) {
            return "Namespace";
        }
        if (value instanceof Undefined) {
            return "Undefined";
        }
        if (value instanceof LoopContext) {
            return "LoopContext";
        }
        if (value instanceof PyCallable) {
            return "function";
        }
        return value.getClass().getSimpleName();
    }

    /** jinja2's {@code object_type_repr}, quoted as its Undefined messages quote it. */
    static String objectTypeRepr(Object owner) {
        if (owner == null) {
            return "'None'";
        }
        return "'" + typeName(owner) + " object'";
    }

    private static String joinRepr(List<?> items, String open, String close) {
        StringBuilder sb = new StringBuilder(open);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(repr(items.get(i)));
        }
        return sb.append(close).toString();
    }

    private static String reprMap(Map<?, ?> map) {
        StringBuilder sb = new StringBuilder("{");
        Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<?, ?> e = it.next();
            sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            if (it.hasNext()) {
                sb.append(", ");
            }
        }
        return sb.append('}').toString();
    }

    /** Python's shortest round-trip float repr: {@code 1.0}, {@code 0.1}, {@code 1e+16}, {@code 1.5e-05}. */
    static String reprFloat(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = shortestDigits(Math.abs(d));
        String digits = exact.unscaledValue().toString();
        // value = 0.DIGITS x 10^decpt, Python's convention in float_repr
        int decpt = digits.length() - exact.scale();
        StringBuilder sb = new StringBuilder(d < 0 ? "-" : "");
        if (decpt > -4 && decpt <= 16) {
            if (decpt <= 0) {
                sb.append("0.").append("0".repeat(-decpt)).append(digits);
            } else if (decpt >= digits.length()) {
                sb.append(digits).append("0".repeat(decpt - digits.length())).append(".0");
            } else {
                sb.append(digits, 0, decpt).append('.').append(digits.substring(decpt));
            }
        } else {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits.substring(1));
            }
            int exp = decpt - 1;
            sb.append(exp < 0 ? "e-" : "e+");
            String e = Integer.toString(Math.abs(exp));
            sb.append(e.length() < 2 ? "0" + e : e);
        }
        return sb.toString();
    }

    /**
     * The fewest significant digits that read back as the same double (Python's repr). Java 17's
     * Double.toString sometimes gives one digit more, so this searches from one digit up.
     */
    private static BigDecimal shortestDigits(double d) {
        BigDecimal exact = new BigDecimal(d);
        for (int digits = 1; digits < 17; digits++) {
            BigDecimal candidate = exact.round(new java.math.MathContext(digits, java.math.RoundingMode.HALF_EVEN));
            if (candidate.doubleValue() == d) {
                return candidate.stripTrailingZeros();
            }
        }
        return exact.round(new java.math.MathContext(17, java.math.RoundingMode.HALF_EVEN)).stripTrailingZeros();
    }

    /** Python's string repr: single quotes unless the text holds a single quote and no double one. */
    static String reprString(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder sb = new StringBuilder().append(quote);
        s.codePoints().forEach(cp -> {
            if (cp == quote || cp == '\\') {
                sb.append('\\').appendCodePoint(cp);
            } else if (cp == '\n') {
                sb.append("\\n");
            } else if (cp == '\r') {
                sb.append("\\r");
            } else if (cp == '\t') {
                sb.append("\\t");
            } else if (cp < 0x20 || cp == 0x7f) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp < 0x7f || isPrintable(cp)) {
                sb.appendCodePoint(cp);
            } else if (cp <= 0xff) {
                sb.append(String.format("\\x%02x", cp));
            } else if (cp <= 0xffff) {
                sb.append(String.format("\\u%04x", cp));
            } else {
                sb.append(String.format("\\U%08x", cp));
            }
        });
        return sb.append(quote).toString();
    }

    /** Python's {@code str.isprintable} for one code point. */
    static boolean isPrintable(int cp) {
        if (cp == ' ') {
            return true;
        }
        switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE,
                    Character.UNASSIGNED, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.SPACE_SEPARATOR:
                return false;
            default:
                return true;
        }
    }
}
