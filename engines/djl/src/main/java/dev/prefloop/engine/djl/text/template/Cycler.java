package dev.prefloop.engine.djl.text.template;

import java.util.List;

/** jinja2's global {@code cycler(a, b, ...)}: {@code next()}, {@code current} and {@code reset()}. */
final class Cycler {

    private final List<Object> items;
    private int position;

    Cycler(List<Object> items) {
        if (items.isEmpty()) {
            throw RenderException.of("at least one item has to be provided");
        }
        this.items = items;
    }

    Object attribute(String name) {
        return switch (name) {
            case "current" -> items.get(position);
            case "next" -> (PyCallable) args -> {
                Object value = items.get(position);
                position = (position + 1) % items.size();
                return value;
            };
            case "reset" -> (PyCallable) args -> {
                position = 0;
                return null;
            };
            default -> PythonOperators.MISSING;
        };
    }
}
