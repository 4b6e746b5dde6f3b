package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** jinja2's string filters: trim, upper, title, replace, indent, truncate, center, format, escape, ... */
final class TextFilters {

    private static final Pattern WORD_BEGINNING = Pattern.compile("([-\\s({\\[<]+)", Pattern.UNICODE_CHARACTER_CLASS);
    private static final Pattern WORD = Pattern.compile("\\w+", Pattern.UNICODE_CHARACTER_CLASS);

    private TextFilters() {}

    static void register(Map<String, Filters.Filter> t) {
        t.put("trim", (v, a) -> PyStrings.strip(PyRepr.str(v), optString(a.get(0, "chars", null))));
        t.put("upper", (v, a) -> PyStrings.upper(PyRepr.str(v)));
        t.put("lower", (v, a) -> PyStrings.lower(PyRepr.str(v)));
        t.put("capitalize", (v, a) -> PyStrings.capitalize(PyRepr.str(v)));
        t.put("title", (v, a) -> title(PyRepr.str(v)));
        t.put("replace", (v, a) -> {
            Object count = a.get(2, "count", null);
            return PyStrings.replace(PyRepr.str(v), PyRepr.str(a.get(0, "old", null)),
                    PyRepr.str(a.get(1, "new", null)), count == null ? -1 : PythonOperators.toLong(count));
        });
        t.put("indent", (v, a) -> indent(PyRepr.str(v), a.get(0, "width", 4L),
                PythonOperators.truthy(a.get(1, "first", false)), PythonOperators.truthy(a.get(2, "blank", false))));
        t.put("truncate", TextFilters::truncate);
        t.put("center", (v, a) -> PyStrings.center(PyRepr.str(v), (int) PythonOperators.toLong(a.get(0, "width", 80L)), " "));
        t.put("wordcount", (v, a) -> {
            Matcher m = WORD.matcher(PyRepr.str(v));
            long n = 0;
            while (m.find()) {
                n++;
            }
            return n;
        });
        t.put("format", (v, a) -> {
            if (!a.positional().isEmpty() && !a.keywords().isEmpty()) {
                throw RenderException.of("can't handle positional and keyword arguments at the same time");
            }
            Object args = a.keywords().isEmpty() ? PyTuple.copyOf(a.positional()) : new java.util.LinkedHashMap<>(a.keywords());
            return PercentFormat.format(PyRepr.str(v), args);
        });
        Filters.Filter escape = (v, a) -> new Markup(Markup.escaped(v));
        t.put("escape", escape);
        t.put("e", escape);
        t.put("forceescape", (v, a) -> new Markup(escape(PyRepr.str(v))));
        t.put("safe", (v, a) -> v instanceof Markup ? v : new Markup(PyRepr.str(v)));
        t.put("string", (v, a) -> v instanceof Markup ? v : PyRepr.str(v));
    }

    private static String optString(Object v) {
        return v == null ? null : PyRepr.str(v);
    }

    /** jinja2's title: capitalises after spaces, dashes and opening brackets, unlike str.title. */
    static String title(String s) {
        StringBuilder sb = new StringBuilder();
        Matcher m = WORD_BEGINNING.matcher(s);
        int last = 0;
        List<String> parts = new ArrayList<>();
        while (m.find()) {
            parts.add(s.substring(last, m.start()));
            parts.add(m.group());
            last = m.end();
        }
        parts.add(s.substring(last));
        for (String item : parts) {
            if (!item.isEmpty()) {
                int first = item.codePointAt(0);
                sb.append(PyStrings.upper(Character.toString(first)))
                        .append(PyStrings.lower(item.substring(Character.charCount(first))));
            }
        }
        return sb.toString();
    }

    static String indent(String s, Object width, boolean first, boolean blank) {
        String indention = width instanceof String w ? w : " ".repeat((int) PythonOperators.toLong(width));
        List<Object> lines = PyStrings.splitlines(s + "\n", false);
        String rv;
        if (blank) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                sb.append(i > 0 ? "\n" + indention : "").append(lines.get(i));
            }
            rv = sb.toString();
        } else {
            StringBuilder sb = new StringBuilder((String) lines.get(0));
            for (int i = 1; i < lines.size(); i++) {
                String line = (String) lines.get(i);
                sb.append('\n').append(line.isEmpty() ? line : indention + line);
            }
            rv = sb.toString();
        }
        return first ? indention + rv : rv;
    }

    private static Object truncate(Object v, Arguments a) {
        String s = PyRepr.str(v);
        long length = PythonOperators.toLong(a.get(0, "length", 255L));
        boolean killWords = PythonOperators.truthy(a.get(1, "killwords", false));
        String end = PyRepr.str(a.get(2, "end", "..."));
        Object leewayArg = a.get(3, "leeway", null);
        long leeway = leewayArg == null ? 5 : PythonOperators.toLong(leewayArg);
        int endLen = PyStrings.length(end);
        if (length < endLen) {
            throw RenderException.of("expected length >= " + endLen + ", got " + length);
        }
        if (PyStrings.length(s) <= length + leeway) {
            return s;
        }
        String head = (String) Attributes.slice(s, new Attributes.SliceValue(null, length - endLen, null));
        if (killWords) {
            return head + end;
        }
        return PyStrings.rsplit(head, " ", 1).get(0) + end;
    }

    static String escape(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
