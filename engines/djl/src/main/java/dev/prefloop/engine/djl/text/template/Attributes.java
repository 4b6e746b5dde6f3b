package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * jinja2's {@code getattr} ({@code obj.name}: attribute, then item) and {@code getitem}
 * ({@code obj[key]}: item, then attribute), with the immutable sandbox's refusals and Python slicing.
 */
final class Attributes {

    /** The evaluated {@code start:stop:step} of a subscript; parts may be null. */
    record SliceValue(Object start, Object stop, Object step) { }

    private Attributes() {}

    static Object getattr(Object obj, String name) {
        obj = PythonOperators.plain(obj);
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        Object attr = attribute(obj, name);
        if (attr != PythonOperators.MISSING) {
            return attr;
        }
        Object item = item(obj, name);
        return item != PythonOperators.MISSING ? item : Undefined.attribute(obj, name);
    }

    static Object getitem(Object obj, Object key) {
        obj = PythonOperators.plain(obj);
        key = PythonOperators.plain(key);
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        if (key instanceof SliceValue s) {
            if (obj instanceof String || (obj instanceof List && !(obj instanceof PyRange))) {
                return slice(obj, s);
            }
            if (obj instanceof PyRange r) {
                return r.slice(s);
            }
            return Undefined.element(obj, "slice");
        }
        Object item = item(obj, key);
        if (item != PythonOperators.MISSING) {
            return item;
        }
        if (key instanceof String name) {
            Object attr = attribute(obj, name);
            if (attr != PythonOperators.MISSING) {
                return attr;
            }
            return Undefined.attribute(obj, name);
        }
        return Undefined.element(obj, key);
    }

    /** Python's plain {@code getattr} without the item fallback (jinja2's {@code attr} filter). */
    static Object attributeOnly(Object obj, String name) {
        if (obj instanceof Undefined u) {
            throw u.error();
        }
        Object attr = attribute(obj, name);
        return attr != PythonOperators.MISSING ? attr : Undefined.attribute(obj, name);
    }

    /** A Python attribute: a method of str, dict or list, a namespace's or loop's attribute. */
    private static Object attribute(Object obj, String name) {
        if (obj instanceof String && StrMethods.NAMES.contains(name)) {
            return new BoundMethod(obj, name);
        }
        if (obj instanceof Map) {
            if (ContainerMethods.DICT.contains(name)) {
                return new BoundMethod(obj, name);
            }
            if (ContainerMethods.DICT_UNSAFE.contains(name)) {
                return unsafe(obj, name);
            }
        }
        if (obj instanceof List) {
            if (ContainerMethods.LIST.contains(name)) {
                return new BoundMethod(obj, name);
            }
            if (ContainerMethods.LIST_UNSAFE.contains(name) && !(obj instanceof PyTuple) && !(obj instanceof PyRange)) {
                return unsafe(obj, name);
            }
        }
        if (obj instanceof PyTuple t && t.field(name) != PythonOperators.MISSING) {
            return t.field(name);
        }
        if (obj instanceof Namespace ns && ns.has(name)) {
            return ns.get(name);
        }
        if (obj instanceof LoopContext loop) {
            return loop.attribute(name);
        }
        if (obj instanceof Cycler c) {
            return c.attribute(name);
        }
        return PythonOperators.MISSING;
    }

    private static Undefined unsafe(Object obj, String name) {
        return Undefined.withHint("access to attribute '" + name + "' of '" + PyRepr.typeName(obj)
                + "' object is unsafe.");
    }

    private static Object item(Object obj, Object key) {
        if (obj instanceof Map<?, ?> m) {
            return PythonOperators.mapGet(m, key);
        }
        if ((obj instanceof List || obj instanceof String) && PythonOperators.isInt(key)) {
            int n = PythonOperators.length(obj);
            long i = PythonOperators.toLong(key);
            if (i < 0) {
                i += n;
            }
            if (i < 0 || i >= n) {
                return PythonOperators.MISSING;
            }
            return obj instanceof String s ? PyStrings.charAt(s, (int) i) : ((List<?>) obj).get((int) i);
        }
        return PythonOperators.MISSING;
    }

    /** Python's {@code seq[start:stop:step]} on a string or list, negative steps included. */
    static Object slice(Object seq, SliceValue s) {
        List<Object> items = seq instanceof String str ? StrMethods.chars(str) : new ArrayList<>((List<?>) seq);
        List<Object> bounds = sliceIndices(items.size(), s);
        long start = (Long) bounds.get(0);
        long stop = (Long) bounds.get(1);
        long step = (Long) bounds.get(2);
        List<Object> out = new ArrayList<>();
        for (long i = start; step > 0 ? i < stop : i > stop; i += step) {
            out.add(items.get((int) i));
        }
        if (seq instanceof String) {
            StringBuilder sb = new StringBuilder();
            out.forEach(c -> sb.append((String) c));
            return sb.toString();
        }
        return seq instanceof PyTuple ? PyTuple.copyOf(out) : out;
    }

    /** Python's slice.indices(n): [start, stop, step] clamped to a sequence of length n. */
    static List<Object> sliceIndices(int n, SliceValue s) {
        long step = s.step() == null ? 1 : index(s.step());
        if (step == 0) {
            throw RenderException.of("slice step cannot be zero");
        }
        long start;
        long stop;
        if (step > 0) {
            start = s.start() == null ? 0 : clamp(index(s.start()), n, 0, n);
            stop = s.stop() == null ? n : clamp(index(s.stop()), n, 0, n);
        } else {
            start = s.start() == null ? n - 1 : clamp(index(s.start()), n, -1, n - 1);
            stop = s.stop() == null ? -1 : clamp(index(s.stop()), n, -1, n - 1);
        }
        return List.of(start, stop, step);
    }

    private static long clamp(long i, int n, long lo, long hi) {
        if (i < 0) {
            i += n;
            if (i < 0) {
                return lo;
            }
        }
        return Math.min(i, hi);
    }

    private static long index(Object v) {
        PythonOperators.failIfUndefined(v);
        if (!PythonOperators.isInt(v)) {
            throw RenderException.of("slice indices must be integers or None or have an __index__ method");
        }
        return PythonOperators.toLong(v);
    }
}
