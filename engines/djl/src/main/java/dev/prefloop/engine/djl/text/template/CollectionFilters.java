package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** jinja2's sequence and mapping filters: join, map, select, sort, dictsort, items, unique, sum, ... */
final class CollectionFilters {

    private final Filters filters;
    private final Tests tests;

    CollectionFilters(Filters filters, Tests tests) {
        this.filters = filters;
        this.tests = tests;
    }

    void register(Map<String, Filters.Filter> t) {
        Filters.Filter length = (v, a) -> (long) PythonOperators.length(v);
        t.put("length", length);
        t.put("count", length);
        t.put("first", (v, a) -> {
            List<Object> items = PythonOperators.iterate(v);
            return items.isEmpty() ? Undefined.withHint("No first item, sequence was empty.") : items.get(0);
        });
        t.put("last", (v, a) -> {
            List<Object> items = PythonOperators.iterate(v);
            return items.isEmpty() ? Undefined.withHint("No last item, sequence was empty.") : items.get(items.size() - 1);
        });
        t.put("list", (v, a) -> PythonOperators.iterate(v));
        t.put("join", this::join);
        t.put("items", (v, a) -> {
            if (v instanceof Undefined) {
                return new ArrayList<>();
            }
            if (!(v instanceof Map<?, ?> m)) {
                throw RenderException.of("Can only get item pairs from a mapping.");
            }
            return ContainerMethods.items(m);
        });
        t.put("reverse", (v, a) -> {
            if (v instanceof String s) {
                return new StringBuilder(s).reverse().toString();
            }
            List<Object> items = PythonOperators.iterate(v);
            Collections.reverse(items);
            return items;
        });
        t.put("sort", this::sort);
        t.put("dictsort", this::dictsort);
        t.put("unique", this::unique);
        t.put("map", this::map);
        t.put("select", (v, a) -> select(v, a, false, false));
        t.put("reject", (v, a) -> select(v, a, true, false));
        t.put("selectattr", (v, a) -> select(v, a, false, true));
        t.put("rejectattr", (v, a) -> select(v, a, true, true));
        t.put("attr", (v, a) -> Attributes.attributeOnly(v, PyRepr.str(a.get(0, "name", null))));
        t.put("batch", this::batch);
        t.put("sum", this::sum);
        t.put("groupby", this::groupby);
        t.put("min", (v, a) -> extreme(v, a, -1));
        t.put("max", (v, a) -> extreme(v, a, 1));
    }

    /** jinja2's make_attrgetter: dotted path, integer parts as indices, item lookup first. */
    static Function<Object, Object> attrGetter(Object attribute, Object fallback, boolean lowercase) {
        String path = PyRepr.str(attribute);
        String[] parts = path.split("\\.");
        return item -> {
            Object v = item;
            for (String part : parts) {
                Object key = !part.isEmpty() && part.chars().allMatch(Character::isDigit) ? (Object) Long.parseLong(part) : part;
                v = Attributes.getitem(v, key);
            }
            if (fallback != null && v instanceof Undefined) {
                v = fallback;
            }
            return lowercase && v instanceof String s ? PyStrings.lower(s) : v;
        };
    }

    private static Function<Object, Object> keyOf(Object attribute, boolean caseSensitive) {
        if (attribute == null) {
            return item -> !caseSensitive && item instanceof String s ? PyStrings.lower(s) : item;
        }
        return attrGetter(attribute, null, !caseSensitive);
    }

    private static Comparator<Object> order(Function<Object, Object> key) {
        return (x, y) -> PythonOperators.compare(key.apply(x), key.apply(y), "<");
    }

    private Object join(Object v, Arguments a) {
        String sep = PyRepr.str(a.get(0, "d", ""));
        Object attribute = a.get(1, "attribute", null);
        List<Object> items = PythonOperators.iterate(v);
        StringBuilder sb = new StringBuilder();
        Function<Object, Object> get = attribute == null ? Function.identity() : attrGetter(attribute, null, false);
        for (int i = 0; i < items.size(); i++) {
            if (i > 0) {
                sb.append(sep);
            }
            sb.append(PyRepr.str(get.apply(items.get(i))));
        }
        return sb.toString();
    }

    private Object sort(Object v, Arguments a) {
        boolean reverse = PythonOperators.truthy(a.get(0, "reverse", false));
        boolean caseSensitive = PythonOperators.truthy(a.get(1, "case_sensitive", false));
        List<Object> items = PythonOperators.iterate(v);
        Comparator<Object> cmp = order(keyOf(a.get(2, "attribute", null), caseSensitive));
        items.sort(reverse ? cmp.reversed() : cmp);
        return items;
    }

    private Object dictsort(Object v, Arguments a) {
        if (!(v instanceof Map<?, ?> m)) {
            throw RenderException.of("You can only sort by either \"key\" or \"value\"");
        }
        boolean caseSensitive = PythonOperators.truthy(a.get(0, "case_sensitive", false));
        String by = PyRepr.str(a.get(1, "by", "key"));
        boolean reverse = PythonOperators.truthy(a.get(2, "reverse", false));
        int pos = switch (by) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw RenderException.of("You can only sort by either \"key\" or \"value\"");
        };
        List<Object> items = ContainerMethods.items(m);
        Function<Object, Object> key = item -> {
            Object x = ((PyTuple) item).get(pos);
            return !caseSensitive && x instanceof String s ? PyStrings.lower(s) : x;
        };
        Comparator<Object> cmp = order(key);
        items.sort(reverse ? cmp.reversed() : cmp);
        return items;
    }

    private Object unique(Object v, Arguments a) {
        boolean caseSensitive = PythonOperators.truthy(a.get(0, "case_sensitive", false));
        Function<Object, Object> key = keyOf(a.get(1, "attribute", null), caseSensitive);
        Set<Object> seen = new HashSet<>();
        List<Object> out = new ArrayList<>();
        for (Object item : PythonOperators.iterate(v)) {
            if (seen.add(PythonOperators.key(key.apply(item)))) {
                out.add(item);
            }
        }
        return out;
    }

    private Object map(Object v, Arguments a) {
        // jinja2 maps and selects over "if value:", so None gives an empty result
        List<Object> items = PythonOperators.truthy(v) ? PythonOperators.iterate(v) : List.of();
        List<Object> out = new ArrayList<>();
        if (a.positional().isEmpty() && a.keywords().containsKey("attribute")) {
            Function<Object, Object> get = attrGetter(a.keywords().get("attribute"), a.keywords().get("default"), false);
            items.forEach(item -> out.add(get.apply(item)));
            return out;
        }
        if (a.positional().isEmpty()) {
            throw RenderException.of("map requires a filter argument");
        }
        String name = PyRepr.str(a.positional().get(0));
        Arguments rest = new Arguments(a.positional().subList(1, a.positional().size()), a.keywords());
        items.forEach(item -> out.add(filters.apply(name, item, rest)));
        return out;
    }

    private Object select(Object v, Arguments a, boolean reject, boolean byAttribute) {
        List<Object> positional = a.positional();
        int offset = 0;
        Function<Object, Object> get = Function.identity();
        if (byAttribute) {
            if (positional.isEmpty()) {
                throw RenderException.of("Missing parameter for attribute name");
            }
            get = attrGetter(positional.get(0), null, false);
            offset = 1;
        }
        String test = positional.size() > offset ? PyRepr.str(positional.get(offset)) : null;
        Arguments testArgs = new Arguments(positional.size() > offset + 1
                ? positional.subList(offset + 1, positional.size()) : List.of(), a.keywords());
        List<Object> out = new ArrayList<>();
        for (Object item : PythonOperators.truthy(v) ? PythonOperators.iterate(v) : List.of()) {
            Object x = get.apply(item);
            boolean pass = test == null ? PythonOperators.truthy(x) : tests.apply(test, x, testArgs);
            if (pass != reject) {
                out.add(item);
            }
        }
        return out;
    }

    private Object batch(Object v, Arguments a) {
        long size = PythonOperators.toLong(a.get(0, "linecount", null));
        boolean fill = a.has(1, "fill_with") && a.get(1, "fill_with", null) != null;
        Object filler = a.get(1, "fill_with", null);
        List<Object> out = new ArrayList<>();
        List<Object> current = new ArrayList<>();
        for (Object item : PythonOperators.iterate(v)) {
            if (current.size() == size) {
                out.add(current);
                current = new ArrayList<>();
            }
            current.add(item);
        }
        if (!current.isEmpty()) {
            while (fill && current.size() < size) {
                current.add(filler);
            }
            out.add(current);
        }
        return out;
    }

    private Object groupby(Object v, Arguments a) {
        Object attribute = a.get(0, "attribute", null);
        Object fallback = a.get(1, "default", null);
        boolean caseSensitive = PythonOperators.truthy(a.get(2, "case_sensitive", false));
        Function<Object, Object> key = attrGetter(attribute, fallback, !caseSensitive);
        Function<Object, Object> shown = attrGetter(attribute, fallback, false);
        List<Object> items = PythonOperators.iterate(v);
        items.sort(order(key));
        List<Object> out = new ArrayList<>();
        int i = 0;
        while (i < items.size()) {
            Object k = key.apply(items.get(i));
            List<Object> group = new ArrayList<>();
            while (i < items.size() && PythonOperators.equal(key.apply(items.get(i)), k)) {
                group.add(items.get(i++));
            }
            out.add(PyTuple.named(List.of("grouper", "list"), caseSensitive ? k : shown.apply(group.get(0)), group));
        }
        return out;
    }

    private Object sum(Object v, Arguments a) {
        Object attribute = a.get(0, "attribute", null);
        Object total = a.get(1, "start", 0L);
        Function<Object, Object> get = attribute == null ? Function.identity() : attrGetter(attribute, null, false);
        for (Object item : PythonOperators.iterate(v)) {
            total = Arithmetic.arithmetic("+", total, get.apply(item));
        }
        return total;
    }

    private Object extreme(Object v, Arguments a, int sign) {
        boolean caseSensitive = PythonOperators.truthy(a.get(0, "case_sensitive", false));
        Function<Object, Object> key = keyOf(a.get(1, "attribute", null), caseSensitive);
        List<Object> items = PythonOperators.iterate(v);
        if (items.isEmpty()) {
            return Undefined.withHint("No aggregated item, sequence was empty.");
        }
        Object best = items.get(0);
        for (Object item : items.subList(1, items.size())) {
            if (sign * PythonOperators.compare(key.apply(item), key.apply(best), sign > 0 ? ">" : "<") > 0) {
                best = item;
            }
        }
        return best;
    }
}
