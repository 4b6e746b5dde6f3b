package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/** The Python {@code str} methods templates call ({@code strip}, {@code split}, {@code startswith}, ...). */
final class StrMethods {

    static final Set<String> NAMES = Set.of("strip", "lstrip", "rstrip", "split", "rsplit", "splitlines",
            "startswith", "endswith", "upper", "lower", "title", "capitalize", "swapcase", "casefold", "replace",
            "find", "rfind", "index", "rindex", "count", "join", "format", "isdigit", "isalpha", "isalnum",
            "isspace", "isupper", "islower", "isnumeric", "isdecimal", "istitle", "zfill", "center", "ljust",
            "rjust", "partition", "rpartition", "removeprefix", "removesuffix", "format_map", "expandtabs");

    private StrMethods() {}

    static Object call(String s, String name, Arguments a) {
        return switch (name) {
            case "strip" -> PyStrings.strip(s, chars(a));
            case "lstrip" -> PyStrings.lstrip(s, chars(a));
            case "rstrip" -> PyStrings.rstrip(s, chars(a));
            case "split" -> PyStrings.split(s, optString(a.get(0, "sep", null)), maxSplit(a));
            case "rsplit" -> PyStrings.rsplit(s, optString(a.get(0, "sep", null)), maxSplit(a));
            case "splitlines" -> PyStrings.splitlines(s, PythonOperators.truthy(a.get(0, "keepends", false)));
            case "startswith" -> affix(s, a, true);
            case "endswith" -> affix(s, a, false);
            case "upper" -> PyStrings.upper(s);
            case "lower", "casefold" -> PyStrings.lower(s);
            case "title" -> PyStrings.title(s);
            case "capitalize" -> PyStrings.capitalize(s);
            case "swapcase" -> swapcase(s);
            case "replace" -> PyStrings.replace(s, string(a.get(0, "old", null), "replace"),
                    string(a.get(1, "new", null), "replace"), integer(a.get(2, "count", -1L)));
            case "find" -> find(s, a, false, false);
            case "rfind" -> find(s, a, true, false);
            case "index" -> find(s, a, false, true);
            case "rindex" -> find(s, a, true, true);
            case "count" -> PyStrings.count(s, string(a.get(0, "sub", null), "count"));
            case "join" -> join(s, a.get(0, "iterable", null));
            case "format" -> StrFormat.format(s, a);
            case "format_map" -> StrFormat.format(s, new Arguments(List.of(),
                    ContainerMethods.stringKeys(a.get(0, "mapping", null))));
            case "isdigit", "isnumeric", "isdecimal" -> !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum" -> !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            case "isspace" -> PyStrings.isWhitespace(s);
            case "isupper" -> hasCased(s) && s.equals(PyStrings.upper(s));
            case "islower" -> hasCased(s) && s.equals(PyStrings.lower(s));
            case "istitle" -> hasCased(s) && s.equals(PyStrings.title(s));
            case "zfill" -> zfill(s, (int) integer(a.get(0, "width", null)));
            case "center" -> PyStrings.center(s, (int) integer(a.get(0, "width", null)), fill(a));
            case "ljust" -> pad(s, (int) integer(a.get(0, "width", null)), fill(a), false);
            case "rjust" -> pad(s, (int) integer(a.get(0, "width", null)), fill(a), true);
            case "partition" -> partition(s, string(a.get(0, "sep", null), "partition"), false);
            case "rpartition" -> partition(s, string(a.get(0, "sep", null), "rpartition"), true);
            case "removeprefix" -> {
                String p = string(a.get(0, "prefix", null), "removeprefix");
                yield s.startsWith(p) ? s.substring(p.length()) : s;
            }
            case "removesuffix" -> {
                String p = string(a.get(0, "suffix", null), "removesuffix");
                yield s.endsWith(p) && !p.isEmpty() ? s.substring(0, s.length() - p.length()) : s;
            }
            case "expandtabs" -> s.replace("\t", " ".repeat((int) integer(a.get(0, "tabsize", 8L))));
            default -> throw RenderException.of("'str object' has no attribute '" + name + "'");
        };
    }

    /** Python {@code str.join}: every item must already be a string. */
    static String join(String sep, Object iterable) {
        List<Object> items = PythonOperators.iterate(iterable);
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < items.size(); i++) {
            if (!(items.get(i) instanceof String item)) {
                throw RenderException.of("sequence item " + i + ": expected str instance, "
                        + PyRepr.typeName(items.get(i)) + " found");
            }
            if (i > 0) {
                sb.append(sep);
            }
            sb.append(item);
        }
        return sb.toString();
    }

    private static String chars(Arguments a) {
        return optString(a.get(0, "chars", null));
    }

    private static String optString(Object v) {
        if (v == null) {
            return null;
        }
        if (v instanceof String s) {
            return s;
        }
        throw RenderException.of("must be str or None, not " + PyRepr.typeName(v));
    }

    private static String string(Object v, String method) {
        if (v instanceof String s) {
            return s;
        }
        PythonOperators.failIfUndefined(v);
        throw RenderException.of(method + "() argument must be str, not " + PyRepr.typeName(v));
    }

    private static long integer(Object v) {
        PythonOperators.failIfUndefined(v);
        if (!PythonOperators.isInt(v)) {
            throw RenderException.of("'" + PyRepr.typeName(v) + "' object cannot be interpreted as an integer");
        }
        return PythonOperators.toLong(v);
    }

    private static long maxSplit(Arguments a) {
        return integer(a.get(1, "maxsplit", -1L));
    }

    private static String fill(Arguments a) {
        return string(a.get(1, "fillchar", " "), "fill");
    }

    private static boolean affix(String s, Arguments a, boolean prefix) {
        Object what = a.get(0, prefix ? "prefix" : "suffix", null);
        String target = substring(s, a.get(1, "start", null), a.get(2, "end", null));
        if (what instanceof List<?> options) {
            for (Object o : options) {
                String opt = string(o, prefix ? "startswith" : "endswith");
                if (prefix ? target.startsWith(opt) : target.endsWith(opt)) {
                    return true;
                }
            }
            return false;
        }
        if (!(what instanceof String str)) {
            PythonOperators.failIfUndefined(what);
            throw RenderException.of((prefix ? "startswith" : "endswith")
                    + " first arg must be str or a tuple of str, not " + PyRepr.typeName(what));
        }
        return prefix ? target.startsWith(str) : target.endsWith(str);
    }

    /** {@code s[start:end]} with Python's clamping, for the optional start/end arguments. */
    private static String substring(String s, Object start, Object end) {
        if (start == null && end == null) {
            return s;
        }
        return (String) Attributes.slice(s, new Attributes.SliceValue(start, end, null));
    }

    private static Object find(String s, Arguments a, boolean last, boolean raise) {
        String sub = string(a.get(0, "sub", null), "find");
        int[] cps = s.codePoints().toArray();
        int n = cps.length;
        long start = a.has(1, "start") && a.get(1, "start", null) != null ? integer(a.get(1, "start", null)) : 0;
        long end = a.has(2, "end") && a.get(2, "end", null) != null ? integer(a.get(2, "end", null)) : n;
        start = start < 0 ? Math.max(0, start + n) : Math.min(start, n);
        end = end < 0 ? Math.max(0, end + n) : Math.min(end, n);
        int result = -1;
        if (start <= end) {
            String window = new String(cps, (int) start, (int) (end - start));
            int at = last ? window.lastIndexOf(sub) : window.indexOf(sub);
            if (at >= 0) {
                result = (int) start + window.codePointCount(0, at);
            }
        }
        if (result < 0 && raise) {
            throw RenderException.of("substring not found");
        }
        return (long) result;
    }

    private static boolean hasCased(String s) {
        return s.codePoints().anyMatch(c -> Character.isUpperCase(c) || Character.isLowerCase(c));
    }

    private static String swapcase(String s) {
        StringBuilder sb = new StringBuilder();
        s.codePoints().forEach(c -> sb.append(Character.isUpperCase(c) ? PyStrings.lower(Character.toString(c))
                : Character.isLowerCase(c) ? PyStrings.upper(Character.toString(c)) : Character.toString(c)));
        return sb.toString();
    }

    private static String zfill(String s, int width) {
        int len = PyStrings.length(s);
        if (len >= width) {
            return s;
        }
        String zeros = "0".repeat(width - len);
        if (!s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-')) {
            return s.charAt(0) + zeros + s.substring(1);
        }
        return zeros + s;
    }

    private static String pad(String s, int width, String fill, boolean right) {
        int len = PyStrings.length(s);
        if (len >= width) {
            return s;
        }
        return right ? fill.repeat(width - len) + s : s + fill.repeat(width - len);
    }

    private static PyTuple partition(String s, String sep, boolean last) {
        int at = last ? s.lastIndexOf(sep) : s.indexOf(sep);
        if (at < 0) {
            return last ? new PyTuple("", "", s) : new PyTuple(s, "", "");
        }
        return new PyTuple(s.substring(0, at), sep, s.substring(at + sep.length()));
    }

    static List<Object> chars(String s) {
        List<Object> out = new ArrayList<>();
        s.codePoints().forEach(cp -> out.add(Character.toString(cp)));
        return out;
    }
}
