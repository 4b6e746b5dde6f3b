package dev.prefloop.engine.djl.weights;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * HfJsonWriter prints a JSON tree the way Hugging Face writes config.json, generation_config.json
 * and index files: Python's {@code json.dumps(obj, indent=2, sort_keys=True) + "\n"}, so the files
 * prefloop writes diff cleanly against transformers' own.
 */
public final class HfJsonWriter {

    private HfJsonWriter() {}

    /** The text of {@code node} in Python's json.dumps(indent=2, sort_keys=True) style, with a final newline. */
    public static String write(JsonNode node) {
        StringBuilder out = new StringBuilder();
        value(node, 0, out);
        return out.append('\n').toString();
    }

    private static void value(JsonNode node, int depth, StringBuilder out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            out.append("null");
        } else if (node.isBoolean()) {
            out.append(node.booleanValue() ? "true" : "false");
        } else if (node.isIntegralNumber()) {
            out.append(node.bigIntegerValue());
        } else if (node.isNumber()) {
            out.append(pythonFloat(node.doubleValue()));
        } else if (node.isTextual()) {
            string(node.textValue(), out);
        } else if (node.isArray()) {
            if (node.isEmpty()) {
                out.append("[]");
                return;
            }
            out.append('[');
            for (int i = 0; i < node.size(); i++) {
                out.append(i == 0 ? "" : ",");
                newline(depth + 1, out);
                value(node.get(i), depth + 1, out);
            }
            newline(depth, out);
            out.append(']');
        } else if (node.isObject()) {
            if (node.isEmpty()) {
                out.append("{}");
                return;
            }
            List<Map.Entry<String, JsonNode>> fields = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                fields.add(it.next());
            }
            // Python sorts str keys by code point, which differs from UTF-16 order above U+FFFF
            fields.sort((a, b) -> compareCodePoints(a.getKey(), b.getKey()));
            out.append('{');
            for (int i = 0; i < fields.size(); i++) {
                out.append(i == 0 ? "" : ",");
                newline(depth + 1, out);
                string(fields.get(i).getKey(), out);
                out.append(": ");
                value(fields.get(i).getValue(), depth + 1, out);
            }
            newline(depth, out);
            out.append('}');
        } else {
            throw new IllegalArgumentException("cannot write a JSON " + node.getNodeType() + " node");
        }
    }

    private static void newline(int depth, StringBuilder out) {
        out.append('\n').append("  ".repeat(depth));
    }

    /** Python's ensure_ascii escaping: everything outside printable ASCII becomes \\uXXXX. */
    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /**
     * Python's float repr: the shortest digits that read back as the same double, positional for
     * decimal exponents -4..15 (always with a fraction, "10000.0"), else scientific ("1e-05").
     */
    static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        if (d == 0) {
            return (1 / d < 0) ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        // Java 17's Double.toString is not always shortest, so search the digit count directly
        for (int p = 1; p <= 17; p++) {
            BigDecimal r = exact.round(new MathContext(p, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                shortest = r;
                break;
            }
        }
        String digits = shortest.unscaledValue().abs().toString().replaceAll("0+$", "");
        if (digits.isEmpty()) {
            digits = "0";
        }
        // the value is 0.d1d2d3... x 10^(exp10 + 1), i.e. d1.d2d3... x 10^exp10
        int exp10 = shortest.precision() - shortest.scale() - 1;
        String sign = d < 0 ? "-" : "";
        if (exp10 < -4 || exp10 >= 16) {
            String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
            return sign + mantissa + "e" + (exp10 < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp10));
        }
        if (exp10 < 0) {
            return sign + "0." + "0".repeat(-exp10 - 1) + digits;
        }
        if (digits.length() <= exp10 + 1) {
            return sign + digits + "0".repeat(exp10 + 1 - digits.length()) + ".0";
        }
        return sign + digits.substring(0, exp10 + 1) + "." + digits.substring(exp10 + 1);
    }

    private static int compareCodePoints(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
    }
}
