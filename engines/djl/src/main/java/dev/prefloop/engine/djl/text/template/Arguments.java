package dev.prefloop.engine.djl.text.template;

import java.util.List;
import java.util.Map;

/** The evaluated arguments of a call, filter or test: positional values then keyword values. */
record Arguments(List<Object> positional, Map<String, Object> keywords) {

    static final Arguments NONE = new Arguments(List.of(), Map.of());

    static Arguments of(Object... positional) {
        return new Arguments(java.util.Arrays.asList(positional), Map.of());
    }

    int size() {
        return positional.size();
    }

    /** The argument at a position or under a name, else {@code fallback} (Python's parameter binding). */
    Object get(int index, String name, Object fallback) {
        if (index < positional.size()) {
            return positional.get(index);
        }
        return keywords.containsKey(name) ? keywords.get(name) : fallback;
    }

    boolean has(int index, String name) {
        return index < positional.size() || keywords.containsKey(name);
    }
}
