package dev.prefloop.engine.djl.text.template;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/** The filter table a template sees: jinja2's builtin filters with transformers' {@code tojson}. */
final class Filters {

    /** One filter: the value left of the bar and the arguments in parentheses. */
    @FunctionalInterface
    interface Filter {
        Object apply(Object value, Arguments args);
    }

    private final Map<String, Filter> table = new HashMap<>();
    private final Tests tests;

    Filters() {
        TextFilters.register(table);
        ValueFilters.register(table);
        this.tests = new Tests(table.keySet());
        new CollectionFilters(this, tests).register(table);
    }

    Tests tests() {
        return tests;
    }

    boolean has(String name) {
        return table.containsKey(name);
    }

    Set<String> names() {
        return table.keySet();
    }

    Object apply(String name, Object value, Arguments args) {
        Filter f = table.get(name);
        if (f == null) {
            throw RenderException.of("No filter named '" + name + "' found.");
        }
        return f.apply(value, args);
    }
}
