package dev.prefloop.engine.djl.text.template;

import java.util.AbstractList;
import java.util.List;

/** A Python tuple: an immutable list that prints with parentheses, e.g. the pairs of {@code |items}. */
final class PyTuple extends AbstractList<Object> {

    private final Object[] items;
    private final List<String> fieldNames;

    PyTuple(Object... items) {
        this.items = items.clone();
        this.fieldNames = List.of();
    }

    private PyTuple(List<String> fieldNames, Object[] items) {
        this.items = items.clone();
        this.fieldNames = fieldNames;
    }

    /** A namedtuple, such as groupby's (grouper, list). */
    static PyTuple named(List<String> fieldNames, Object... items) {
        return new PyTuple(fieldNames, items);
    }

    /** The item under a namedtuple field name, or {@link PythonOperators#MISSING}. */
    Object field(String name) {
        int i = fieldNames.indexOf(name);
        return i < 0 ? PythonOperators.MISSING : items[i];
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
