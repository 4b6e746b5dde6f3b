package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The dict and list methods the immutable sandbox allows ({@code get}, {@code items}, {@code index}
 * ...); the mutating ones are refused as jinja2's ImmutableSandboxedEnvironment refuses them.
 */
final class ContainerMethods {

    static final Set<String> DICT = Set.of("get", "items", "keys", "values", "copy");
    static final Set<String> DICT_UNSAFE = Set.of("clear", "pop", "popitem", "setdefault", "update");
    static final Set<String> LIST = Set.of("count", "index", "copy");
    static final Set<String> LIST_UNSAFE = Set.of("append", "clear", "extend", "insert", "pop", "remove",
            "reverse", "sort");

    private ContainerMethods() {}

    static Object call(Object receiver, String name, Arguments a) {
        if (receiver instanceof Map<?, ?> m) {
            return switch (name) {
                case "get" -> {
                    Object v = PythonOperators.mapGet(m, a.get(0, "key", null));
                    yield v == PythonOperators.MISSING ? a.get(1, "default", null) : v;
                }
                case "items" -> items(m);
                case "keys" -> new ArrayList<Object>(m.keySet());
                case "values" -> new ArrayList<Object>(m.values());
                case "copy" -> new LinkedHashMap<Object, Object>(m);
                default -> throw RenderException.of("'dict object' has no attribute '" + name + "'");
            };
        }
        if (receiver instanceof List<?> l) {
            return switch (name) {
                case "count" -> l.stream().filter(o -> PythonOperators.equal(o, a.get(0, "value", null))).count();
                case "index" -> {
                    for (int i = 0; i < l.size(); i++) {
                        if (PythonOperators.equal(l.get(i), a.get(0, "value", null))) {
                            yield (long) i;
                        }
                    }
                    throw RenderException.of(PyRepr.repr(a.get(0, "value", null)) + " is not in list");
                }
                case "copy" -> new ArrayList<Object>(l);
                default -> throw RenderException.of("'list object' has no attribute '" + name + "'");
            };
        }
        throw RenderException.of(PyRepr.objectTypeRepr(receiver) + " has no attribute '" + name + "'");
    }

    /** A dict's (key, value) pairs as tuples, in insertion order. */
    static List<Object> items(Map<?, ?> m) {
        List<Object> out = new ArrayList<>();
        m.forEach((k, v) -> out.add(new PyTuple(k, v)));
        return out;
    }

    static Map<String, Object> stringKeys(Object mapping) {
        if (!(mapping instanceof Map<?, ?> m)) {
            throw RenderException.of("argument must be a mapping, not " + PyRepr.typeName(mapping));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(String.valueOf(k), v));
        return out;
    }
}
