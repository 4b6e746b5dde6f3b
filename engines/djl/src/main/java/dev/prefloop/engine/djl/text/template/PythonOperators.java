package dev.prefloop.engine.djl.text.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Python's truthiness, equality, ordering, arithmetic, {@code in} and iteration over template values. */
final class PythonOperators {

    private PythonOperators() {}

    /** Markup behaves as its text everywhere except in {@code +} and {@code %}. */
    static Object plain(Object v) {
        return v instanceof Markup m ? m.text() : v;
    }

    static boolean truthy(Object v) {
        v = plain(v);
        if (v == null || v instanceof Undefined) {
            return false;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        if (v instanceof Double d) {
            return d != 0.0;
        }
        if (v instanceof Number n) {
            return n.longValue() != 0 || (n instanceof BigInteger bi && bi.signum() != 0);
        }
        if (v instanceof String s) {
            return !s.isEmpty();
        }
        if (v instanceof List<?> l) {
            return !l.isEmpty();
        }
        if (v instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }

    /** Whether a value is a Python int (bool included, as Python counts it). */
    static boolean isInt(Object v) {
        return v instanceof Long || v instanceof Integer || v instanceof Boolean || v instanceof BigInteger;
    }

    static boolean isNumber(Object v) {
        return isInt(v) || v instanceof Double;
    }

    static long toLong(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).longValue();
    }

    static double toDouble(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) v).doubleValue();
    }

    /** Python {@code ==}: 1 == 1.0 == True, deep equality for lists and dicts; undefined equals undefined. */
    static boolean equal(Object a, Object b) {
        a = plain(a);
        b = plain(b);
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (a instanceof Undefined || b instanceof Undefined) {
            return a instanceof Undefined && b instanceof Undefined;
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return toDouble(a) == toDouble(b);
            }
            return toLong(a) == toLong(b);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb) {
            if ((a instanceof PyTuple) != (b instanceof PyTuple) || la.size() != lb.size()) {
                return false;
            }
            for (int i = 0; i < la.size(); i++) {
                if (!equal(la.get(i), lb.get(i))) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> ma && b instanceof Map<?, ?> mb) {
            if (ma.size() != mb.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : ma.entrySet()) {
                Object other = mapGet(mb, e.getKey());
                if (other == MISSING || !equal(e.getValue(), other)) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    /** Marks an absent dict key (None is a legitimate value). */
    static final Object MISSING = new Object();

    /** A dict lookup with Python's key equality (1, 1.0 and True are the same key). */
    static Object mapGet(Map<?, ?> map, Object key) {
        if (map.containsKey(key)) {
            return map.get(key);
        }
        if (isNumber(key)) {
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (isNumber(e.getKey()) && equal(e.getKey(), key)) {
                    return e.getValue();
                }
            }
        }
        return MISSING;
    }

    /** A dict store with Python's key equality: an equal key keeps its first spelling. */
    static void mapPut(Map<Object, Object> map, Object key, Object value) {
        if (!map.containsKey(key) && isNumber(key)) {
            for (Map.Entry<Object, Object> e : map.entrySet()) {
                if (isNumber(e.getKey()) && equal(e.getKey(), key)) {
                    e.setValue(value);
                    return;
                }
            }
        }
        map.put(key, value);
    }

    /** Python ordering for {@code <, <=, >, >=}; mixing types is the TypeError Python raises. */
    static int compare(Object a, Object b, String op) {
        a = plain(a);
        b = plain(b);
        if (a instanceof Undefined u) {
            throw u.error();
        }
        if (b instanceof Undefined u) {
            throw u.error();
        }
        if (isNumber(a) && isNumber(b)) {
            if (a instanceof Double || b instanceof Double) {
                return Double.compare(toDouble(a), toDouble(b));
            }
            return Long.compare(toLong(a), toLong(b));
        }
        if (a instanceof String sa && b instanceof String sb) {
            return PyStrings.compare(sa, sb);
        }
        if (a instanceof List<?> la && b instanceof List<?> lb && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            for (int i = 0; i < Math.min(la.size(), lb.size()); i++) {
                if (!equal(la.get(i), lb.get(i))) {
                    return compare(la.get(i), lb.get(i), op);
                }
            }
            return Integer.compare(la.size(), lb.size());
        }
        throw RenderException.of("'" + op + "' not supported between instances of '" + PyRepr.typeName(a)
                + "' and '" + PyRepr.typeName(b) + "'");
    }

    /** Python's {@code item in container}. */
    static boolean contains(Object container, Object item) {
        container = plain(container);
        item = plain(item);
        if (container instanceof Undefined) {
            return false;
        }
        if (container instanceof String s) {
            if (!(item instanceof String sub)) {
                if (item instanceof Undefined u) {
                    throw u.error();
                }
                throw RenderException.of("'in <string>' requires string as left operand, not " + PyRepr.typeName(item));
            }
            return s.contains(sub);
        }
        if (container instanceof Map<?, ?> m) {
            return mapGet(m, item) != MISSING;
        }
        if (container instanceof List<?> l) {
            for (Object o : l) {
                if (equal(o, item)) {
                    return true;
                }
            }
            return false;
        }
        throw RenderException.of("argument of type '" + PyRepr.typeName(container) + "' is not iterable");
    }

    /** The items a for-loop or {@code list()} sees: a dict's keys, a string's characters. */
    static List<Object> iterate(Object v) {
        v = plain(v);
        if (v instanceof Undefined) {
            return List.of();
        }
        if (v instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        if (v instanceof Map<?, ?> m) {
            return new ArrayList<>(m.keySet());
        }
        if (v instanceof String s) {
            List<Object> chars = new ArrayList<>();
            s.codePoints().forEach(cp -> chars.add(Character.toString(cp)));
            return chars;
        }
        if (v instanceof Iterator<?> it) {
            List<Object> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return out;
        }
        throw RenderException.of("'" + PyRepr.typeName(v) + "' object is not iterable");
    }

    static boolean isIterable(Object v) {
        v = plain(v);
        return v instanceof Undefined || v instanceof List || v instanceof Map || v instanceof String;
    }

    /** Python {@code len()}. */
    static int length(Object v) {
        v = plain(v);
        if (v instanceof String s) {
            return PyStrings.length(s);
        }
        if (v instanceof List<?> l) {
            return l.size();
        }
        if (v instanceof Map<?, ?> m) {
            return m.size();
        }
        if (v instanceof Undefined) {
            return 0;
        }
        throw RenderException.of("object of type '" + PyRepr.typeName(v) + "' has no len()");
    }

    static Object negate(Object v) {
        failIfUndefined(v);
        if (v instanceof Double d) {
            return -d;
        }
        if (v instanceof BigInteger bi) {
            return bi.negate();
        }
        if (isInt(v)) {
            return -toLong(v);
        }
        throw RenderException.of("bad operand type for unary -: '" + PyRepr.typeName(v) + "'");
    }

    static Object positive(Object v) {
        failIfUndefined(v);
        if (v instanceof Double) {
            return v;
        }
        if (isInt(v)) {
            return toLong(v);
        }
        throw RenderException.of("bad operand type for unary +: '" + PyRepr.typeName(v) + "'");
    }

    /** A binary arithmetic operator: + - * / // % **. */
    static Object arithmetic(String op, Object a, Object b) {
        failIfUndefined(a);
        failIfUndefined(b);
        if (isNumber(a) && isNumber(b)) {
            return numeric(op, a, b);
        }
        if (op.equals("+") && (a instanceof Markup || b instanceof Markup)
                && (a instanceof Markup || a instanceof String) && (b instanceof Markup || b instanceof String)) {
            return Markup.concat(a, b);
        }
        if (op.equals("%") && a instanceof Markup m) {
            return new Markup(PercentFormat.format(m.text(), escapeArgs(b)));
        }
        a = plain(a);
        b = plain(b);
        switch (op) {
            case "+" -> {
                if (a instanceof String sa && b instanceof String sb) {
                    return sa + sb;
                }
                if (a instanceof String && !(b instanceof String)) {
                    throw RenderException.of("can only concatenate str (not \"" + PyRepr.typeName(b) + "\") to str");
                }
                if (a instanceof List<?> la && b instanceof List<?> lb
                        && (a instanceof PyTuple) == (b instanceof PyTuple) && !(a instanceof PyRange)) {
                    List<Object> out = new ArrayList<>(la);
                    out.addAll(lb);
                    return a instanceof PyTuple ? PyTuple.copyOf(out) : out;
                }
                if (a instanceof List && !(b instanceof List) && !(a instanceof PyTuple)) {
                    throw RenderException.of("can only concatenate list (not \"" + PyRepr.typeName(b) + "\") to list");
                }
            }
            case "*" -> {
                if (isInt(b) && (a instanceof String || a instanceof List)) {
                    return repeat(a, toLong(b));
                }
                if (isInt(a) && (b instanceof String || b instanceof List)) {
                    return repeat(b, toLong(a));
                }
            }
            case "%" -> {
                if (a instanceof String fmt) {
                    return PercentFormat.format(fmt, b);
                }
            }
            default -> { }
        }
        throw RenderException.of("unsupported operand type(s) for " + op + ": '" + PyRepr.typeName(a) + "' and '"
                + PyRepr.typeName(b) + "'");
    }

    private static Object escapeArgs(Object args) {
        if (args instanceof PyTuple t) {
            List<Object> out = new ArrayList<>();
            t.forEach(x -> out.add(x instanceof String s ? new Markup(Markup.escaped(s)) : x));
            return PyTuple.copyOf(out);
        }
        return args instanceof String s ? new Markup(Markup.escaped(s)) : args;
    }

    private static Object repeat(Object seq, long times) {
        if (seq instanceof String s) {
            return times <= 0 ? "" : s.repeat((int) times);
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) {
            out.addAll((List<?>) seq);
        }
        return seq instanceof PyTuple ? PyTuple.copyOf(out) : out;
    }

    private static Object numeric(String op, Object a, Object b) {
        boolean floats = a instanceof Double || b instanceof Double;
        if (op.equals("/")) {
            double d = toDouble(b);
            if (d == 0) {
                throw RenderException.of("division by zero");
            }
            return toDouble(a) / d;
        }
        if (floats) {
            double x = toDouble(a);
            double y = toDouble(b);
            return switch (op) {
                case "+" -> x + y;
                case "-" -> x - y;
                case "*" -> x * y;
                case "//" -> {
                    if (y == 0) {
                        throw RenderException.of("float floor division by zero");
                    }
                    yield Math.floor(x / y);
                }
                case "%" -> {
                    if (y == 0) {
                        throw RenderException.of("float modulo");
                    }
                    double r = x % y;
                    yield (r != 0 && (r < 0) != (y < 0)) ? r + y : r;
                }
                case "**" -> Math.pow(x, y);
                default -> throw new IllegalArgumentException(op);
            };
        }
        if (a instanceof BigInteger || b instanceof BigInteger) {
            return bigNumeric(op, big(a), big(b));
        }
        try {
            return longNumeric(op, toLong(a), toLong(b));
        } catch (ArithmeticException overflow) {
            if (overflow.getMessage() != null && overflow.getMessage().contains("zero")) {
                throw overflow;
            }
            return bigNumeric(op, big(a), big(b));
        }
    }

    private static BigInteger big(Object v) {
        return v instanceof BigInteger bi ? bi : BigInteger.valueOf(toLong(v));
    }

    /** Python ints are unbounded: beyond long, arithmetic continues in BigInteger. */
    private static Object bigNumeric(String op, BigInteger x, BigInteger y) {
        BigInteger r = switch (op) {
            case "+" -> x.add(y);
            case "-" -> x.subtract(y);
            case "*" -> x.multiply(y);
            case "//" -> {
                if (y.signum() == 0) {
                    throw RenderException.of("integer division or modulo by zero");
                }
                BigInteger[] qr = x.divideAndRemainder(y);
                yield qr[1].signum() != 0 && qr[1].signum() != y.signum() ? qr[0].subtract(BigInteger.ONE) : qr[0];
            }
            case "%" -> {
                if (y.signum() == 0) {
                    throw RenderException.of("integer modulo by zero");
                }
                BigInteger m = x.mod(y.abs());
                yield y.signum() < 0 && m.signum() != 0 ? m.add(y) : m;
            }
            case "**" -> {
                if (y.signum() < 0) {
                    yield null;
                }
                yield x.pow(y.intValueExact());
            }
            default -> throw new IllegalArgumentException(op);
        };
        if (r == null) {
            return Math.pow(x.doubleValue(), y.doubleValue());
        }
        return r.bitLength() < 64 ? (Object) r.longValue() : r;
    }

    private static Object longNumeric(String op, long x, long y) {
        return switch (op) {
            case "+" -> Math.addExact(x, y);
            case "-" -> Math.subtractExact(x, y);
            case "*" -> Math.multiplyExact(x, y);
            case "//" -> {
                if (y == 0) {
                    throw RenderException.of("integer division or modulo by zero");
                }
                yield Math.floorDiv(x, y);
            }
            case "%" -> {
                if (y == 0) {
                    throw RenderException.of("integer modulo by zero");
                }
                yield Math.floorMod(x, y);
            }
            case "**" -> y < 0 ? (Object) Math.pow(x, y) : BigInteger.valueOf(x).pow((int) y).longValueExact();
            default -> throw new IllegalArgumentException(op);
        };
    }

    static void failIfUndefined(Object v) {
        if (v instanceof Undefined u) {
            throw u.error();
        }
    }

    /** Python's {@code hash}-compatible identity for the few places that need sets (unique). */
    static Object key(Object v) {
        if (isNumber(v) && !(v instanceof Double d && d != Math.rint(d))) {
            return isInt(v) ? (Object) toLong(v) : (Object) (long) toDouble(v);
        }
        return Objects.requireNonNullElse(v, MISSING);
    }
}
