package dev.prefloop.engine.djl.text.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Python's truthiness, equality, ordering, {@code in}, {@code len} and iteration over template values. */
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
            if ((item instanceof List && !(item instanceof PyTuple)) || item instanceof Map) {
                throw RenderException.of("unhashable type: '" + PyRepr.typeName(item) + "'");
            }
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
