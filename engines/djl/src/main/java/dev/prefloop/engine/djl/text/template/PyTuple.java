package dev.prefloop.engine.djl.text.template;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: an immutable list that prints with parentheses, e.g. the pairs of {@code |items}. */
final class PyTuple extends AbstractList<Object> {

    private final Object[] items;

    PyTuple(Object... items) {
        this.items = items.clone();
    }

    static PyTuple copyOf(List<?> list) {
        return new PyTuple(list.toArray());
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }
}
