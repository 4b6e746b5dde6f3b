package dev.prefloop.engine.djl.text.template;

import java.time.Clock;
import java.time.LocalDateTime;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The global functions of the environment transformers builds: jinja2's {@code range}, {@code dict},
 * {@code namespace}, {@code cycler}, {@code joiner}, plus {@code raise_exception} and {@code strftime_now}.
 */
final class Globals {

    private Globals() {}

    static Map<String, Object> create(Clock clock) {
        Map<String, Object> g = new HashMap<>();
        g.put("range", (PyCallable) Globals::range);
        g.put("dict", (PyCallable) a -> {
            Map<Object, Object> d = new LinkedHashMap<>();
            if (!a.positional().isEmpty()) {
                Object src = a.positional().get(0);
                if (src instanceof Map<?, ?> m) {
                    d.putAll(m);
                } else {
                    for (Object pair : PythonOperators.iterate(src)) {
                        var kv = PythonOperators.iterate(pair);
                        d.put(kv.get(0), kv.get(1));
                    }
                }
            }
            d.putAll(a.keywords());
            return d;
        });
        g.put("namespace", (PyCallable) a -> {
            Map<String, Object> attrs = new LinkedHashMap<>();
            if (!a.positional().isEmpty()) {
                attrs.putAll(ContainerMethods.stringKeys(a.positional().get(0)));
            }
            attrs.putAll(a.keywords());
            return new Namespace(attrs);
        });
        g.put("cycler", (PyCallable) a -> new Cycler(a.positional()));
        g.put("joiner", (PyCallable) a -> {
            String sep = PyRepr.str(a.get(0, "sep", ", "));
            boolean[] used = {false};
            return (PyCallable) none -> {
                if (used[0]) {
                    return sep;
                }
                used[0] = true;
                return "";
            };
        });
        g.put("raise_exception", (PyCallable) a -> {
            throw RenderException.raised(PyRepr.str(a.get(0, "message", null)));
        });
        g.put("strftime_now", (PyCallable) a ->
                Strftime.format(LocalDateTime.now(clock), PyRepr.str(a.get(0, "format", null))));
        return g;
    }

    private static Object range(Arguments a) {
        for (Object o : a.positional()) {
            PythonOperators.failIfUndefined(o);
            if (!PythonOperators.isInt(o)) {
                throw RenderException.of("'" + PyRepr.typeName(o) + "' object cannot be interpreted as an integer");
            }
        }
        var p = a.positional();
        return switch (p.size()) {
            case 1 -> new PyRange(0, PythonOperators.toLong(p.get(0)), 1);
            case 2 -> new PyRange(PythonOperators.toLong(p.get(0)), PythonOperators.toLong(p.get(1)), 1);
            case 3 -> new PyRange(PythonOperators.toLong(p.get(0)), PythonOperators.toLong(p.get(1)),
                    PythonOperators.toLong(p.get(2)));
            default -> throw RenderException.of("range expected at most 3 arguments, got " + p.size());
        };
    }
}
