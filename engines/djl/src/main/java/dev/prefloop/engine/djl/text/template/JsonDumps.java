package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(x, ensure_ascii, indent, separators, sort_keys)}, which transformers
 * installs as the {@code tojson} filter (no HTML escaping, unlike jinja2's own).
 */
final class JsonDumps {

    private final boolean ensureAscii;
    private final String indent;
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;

    /** {@code indent} is null, an int or a string; {@code separators} is null or a 2-item list. */
    JsonDumps(boolean ensureAscii, Object indent, Object separators, boolean sortKeys) {
        this.ensureAscii = ensureAscii;
        if (indent == null) {
            this.indent = null;
        } else if (indent instanceof String s) {
            this.indent = s;
        } else {
            this.indent = " ".repeat((int) Math.max(0, PythonOperators.toLong(indent)));
        }
        if (separators instanceof List<?> seps && seps.size() == 2) {
            this.itemSeparator = PyRepr.str(seps.get(0));
            this.keySeparator = PyRepr.str(seps.get(1));
        } else {
            this.itemSeparator = indent == null ? ", " : ",";
            this.keySeparator = ": ";
        }
        this.sortKeys = sortKeys;
    }

    String dumps(Object value) {
        StringBuilder sb = new StringBuilder();
        write(value, sb, 0);
        return sb.toString();
    }

    private void write(Object v, StringBuilder sb, int level) {
        if (v == null) {
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Double d) {
            sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity")
                    : PyRepr.reprFloat(d));
        } else if (v instanceof Number n) {
            sb.append(n);
        } else if (v instanceof String s) {
            string(s, sb);
        } else if (v instanceof Markup m) {
            string(m.text(), sb);
        } else if (v instanceof List<?> l) {
            writeList(l, sb, level);
        } else if (v instanceof Map<?, ?> m) {
            writeMap(m, sb, level);
        } else {
            throw RenderException.of("Object of type " + PyRepr.typeName(v) + " is not JSON serializable");
        }
    }

    private void writeList(List<?> l, StringBuilder sb, int level) {
        if (l.isEmpty()) {
            sb.append("[]");
            return;
        }
        sb.append('[');
        for (int i = 0; i < l.size(); i++) {
            separate(sb, i, level + 1);
            write(l.get(i), sb, level + 1);
        }
        close(sb, level);
        sb.append(']');
    }

    private void writeMap(Map<?, ?> m, StringBuilder sb, int level) {
        if (m.isEmpty()) {
            sb.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            entries.add(Map.entry(key(e.getKey()), e.getValue() == null ? NULL : e.getValue()));
        }
        if (sortKeys) {
            entries.sort((a, b) -> PyStrings.compare(a.getKey(), b.getKey()));
        }
        sb.append('{');
        for (int i = 0; i < entries.size(); i++) {
            separate(sb, i, level + 1);
            string(entries.get(i).getKey(), sb);
            sb.append(keySeparator);
            Object value = entries.get(i).getValue();
            write(value == NULL ? null : value, sb, level + 1);
        }
        close(sb, level);
        sb.append('}');
    }

    /** Map.entry refuses null values. */
    private static final Object NULL = new Object();

    private static String key(Object k) {
        if (k instanceof String s) {
            return s;
        }
        if (k == null) {
            return "null";
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (k instanceof Double d) {
            return PyRepr.reprFloat(d);
        }
        if (k instanceof Number n) {
            return n.toString();
        }
        throw RenderException.of("keys must be str, int, float, bool or None, not " + PyRepr.typeName(k));
    }

    private void separate(StringBuilder sb, int i, int level) {
        if (i > 0) {
            sb.append(itemSeparator);
        }
        if (indent != null) {
            sb.append('\n').append(indent.repeat(level));
        }
    }

    private void close(StringBuilder sb, int level) {
        if (indent != null) {
            sb.append('\n').append(indent.repeat(level));
        }
    }

    private void string(String s, StringBuilder sb) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7f)) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }
}
