package dev.prefloop.engine.djl.text.template;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/** jinja2's value filters: default, int, float, abs, round, and transformers' tojson. */
final class ValueFilters {

    private ValueFilters() {}

    static void register(Map<String, Filters.Filter> t) {
        Filters.Filter dflt = (v, a) -> {
            boolean useDefault = v instanceof Undefined
                    || (PythonOperators.truthy(a.get(1, "boolean", false)) && !PythonOperators.truthy(v));
            return useDefault ? a.get(0, "default_value", "") : v;
        };
        t.put("default", dflt);
        t.put("d", dflt);
        t.put("int", ValueFilters::toInt);
        t.put("float", ValueFilters::toFloat);
        t.put("abs", (v, a) -> {
            PythonOperators.failIfUndefined(v);
            if (v instanceof Double d) {
                return Math.abs(d);
            }
            if (PythonOperators.isInt(v)) {
                return Math.abs(PythonOperators.toLong(v));
            }
            throw RenderException.of("bad operand type for abs(): '" + PyRepr.typeName(v) + "'");
        });
        t.put("round", ValueFilters::round);
        t.put("tojson", (v, a) -> new JsonDumps(PythonOperators.truthy(a.get(0, "ensure_ascii", false)),
                a.get(1, "indent", null), a.get(2, "separators", null),
                PythonOperators.truthy(a.get(3, "sort_keys", false))).dumps(v));
    }

    private static Object toInt(Object v, Arguments a) {
        PythonOperators.failIfUndefined(v);
        Object fallback = a.get(0, "default", 0L);
        long base = PythonOperators.toLong(a.get(1, "base", 10L));
        if (v instanceof String s) {
            String text = PyStrings.strip(s, null).replace("_", "");
            try {
                if (base == 16 && (text.startsWith("0x") || text.startsWith("0X"))) {
                    text = text.substring(2);
                } else if (base == 8 && (text.startsWith("0o") || text.startsWith("0O"))) {
                    text = text.substring(2);
                } else if (base == 2 && (text.startsWith("0b") || text.startsWith("0B"))) {
                    text = text.substring(2);
                }
                return Long.parseLong(text, (int) base);
            } catch (NumberFormatException e) {
                try {
                    return (long) Double.parseDouble(PyStrings.strip(s, null));
                } catch (NumberFormatException e2) {
                    return fallback;
                }
            }
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? truncate(d) : fallback;
        }
        if (PythonOperators.isInt(v)) {
            return PythonOperators.toLong(v);
        }
        return fallback;
    }

    /** Python's {@code int(float)}: exact, beyond the range of long too. */
    static Object truncate(double d) {
        if (Math.abs(d) < 9.0e18) {
            return (long) d;
        }
        return new BigDecimal(d).toBigInteger();
    }

    private static Object toFloat(Object v, Arguments a) {
        PythonOperators.failIfUndefined(v);
        Object fallback = a.get(0, "default", 0.0);
        if (v instanceof String s) {
            try {
                String text = PyStrings.strip(s, null).toLowerCase(java.util.Locale.ROOT);
                return switch (text) {
                    case "inf", "+inf", "infinity" -> Double.POSITIVE_INFINITY;
                    case "-inf", "-infinity" -> Double.NEGATIVE_INFINITY;
                    case "nan", "+nan", "-nan" -> Double.NaN;
                    default -> {
                        if (text.endsWith("d") || text.endsWith("f")) {
                            throw new NumberFormatException(text);
                        }
                        yield Double.parseDouble(text.replace("_", ""));
                    }
                };
            } catch (NumberFormatException e) {
                return fallback;
            }
        }
        if (PythonOperators.isNumber(v)) {
            return PythonOperators.toDouble(v);
        }
        return fallback;
    }

    private static Object round(Object v, Arguments a) {
        PythonOperators.failIfUndefined(v);
        int precision = (int) PythonOperators.toLong(a.get(0, "precision", 0L));
        String method = PyRepr.str(a.get(1, "method", "common"));
        if (!method.equals("common") && !method.equals("ceil") && !method.equals("floor")) {
            throw RenderException.of("method must be common, ceil or floor");
        }
        if (!PythonOperators.isNumber(v)) {
            throw RenderException.of("type " + PyRepr.typeName(v) + " doesn't define __round__ method");
        }
        if (method.equals("common")) {
            if (!(v instanceof Double d)) {
                return PythonOperators.toLong(v);
            }
            if (!Double.isFinite(d)) {
                return d;
            }
            return new BigDecimal(d).setScale(precision, RoundingMode.HALF_EVEN).doubleValue();
        }
        double scale = Math.pow(10, precision);
        double x = PythonOperators.toDouble(v) * scale;
        double r = method.equals("ceil") ? Math.ceil(x) : Math.floor(x);
        return r / scale;
    }
}
