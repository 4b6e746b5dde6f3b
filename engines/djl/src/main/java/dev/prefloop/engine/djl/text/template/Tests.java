package dev.prefloop.engine.djl.text.template;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** jinja2's builtin tests ({@code x is defined}, {@code x is string}, {@code n is divisibleby 3}, ...). */
final class Tests {

    /** One test: the value left of {@code is} and the arguments after the test's name. */
    @FunctionalInterface
    interface Test {
        boolean test(Object value, Arguments args);
    }

    private final Map<String, Test> tests = new HashMap<>();
    /** Tests taking one argument after the value; the rest take none. jinja2 refuses extra ones. */
    private static final Set<String> ONE_ARGUMENT = Set.of("divisibleby", "sameas", "in", "==", "eq", "equalto",
            "!=", "ne", "<", "lt", "lessthan", "<=", "le", ">", "gt", "greaterthan", ">=", "ge");
    private static final Set<String> OPERATOR_TESTS = Set.of("==", "eq", "equalto", "!=", "ne", "<", "lt",
            "lessthan", "<=", "le", ">", "gt", "greaterthan", ">=", "ge");

    Tests(Set<String> filterNames) {
        tests.put("defined", (v, a) -> !(v instanceof Undefined));
        tests.put("undefined", (v, a) -> v instanceof Undefined);
        tests.put("none", (v, a) -> v == null);
        tests.put("boolean", (v, a) -> v instanceof Boolean);
        tests.put("true", (v, a) -> Boolean.TRUE.equals(v));
        tests.put("false", (v, a) -> Boolean.FALSE.equals(v));
        tests.put("integer", (v, a) -> PythonOperators.isInt(v) && !(v instanceof Boolean));
        tests.put("float", (v, a) -> v instanceof Double);
        tests.put("number", (v, a) -> PythonOperators.isNumber(v));
        tests.put("string", (v, a) -> v instanceof String || v instanceof Markup);
        tests.put("mapping", (v, a) -> v instanceof Map);
        tests.put("iterable", (v, a) -> PythonOperators.isIterable(v));
        tests.put("sequence", (v, a) -> v instanceof List || v instanceof Map || v instanceof String || v instanceof Undefined);
        tests.put("callable", (v, a) -> v instanceof PyCallable);
        tests.put("escaped", (v, a) -> v instanceof Markup);
        tests.put("lower", (v, a) -> (Boolean) StrMethods.call(PyRepr.str(v), "islower", Arguments.NONE));
        tests.put("upper", (v, a) -> (Boolean) StrMethods.call(PyRepr.str(v), "isupper", Arguments.NONE));
        // jinja2 computes these with Python's % operator, whatever the value's type
        tests.put("odd", (v, a) -> PythonOperators.equal(Arithmetic.arithmetic("%", v, 2L), 1L));
        tests.put("even", (v, a) -> PythonOperators.equal(Arithmetic.arithmetic("%", v, 2L), 0L));
        tests.put("divisibleby", (v, a) -> PythonOperators.equal(Arithmetic.arithmetic("%", v, a.get(0, "num", null)), 0L));
        tests.put("sameas", (v, a) -> sameAs(v, a.get(0, "other", null)));
        tests.put("in", (v, a) -> PythonOperators.contains(a.get(0, "seq", null), v));
        tests.put("filter", (v, a) -> v instanceof String s && filterNames.contains(s));
        tests.put("test", (v, a) -> v instanceof String s && tests.containsKey(s));
        Test eq = (v, a) -> PythonOperators.equal(v, a.get(0, "other", null));
        Test ne = (v, a) -> !PythonOperators.equal(v, a.get(0, "other", null));
        Test lt = (v, a) -> PythonOperators.compare(v, a.get(0, "other", null), "<") < 0;
        Test le = (v, a) -> PythonOperators.compare(v, a.get(0, "other", null), "<=") <= 0;
        Test gt = (v, a) -> PythonOperators.compare(v, a.get(0, "other", null), ">") > 0;
        Test ge = (v, a) -> PythonOperators.compare(v, a.get(0, "other", null), ">=") >= 0;
        register(eq, "==", "eq", "equalto");
        register(ne, "!=", "ne");
        register(lt, "<", "lt", "lessthan");
        register(le, "<=", "le");
        register(gt, ">", "gt", "greaterthan");
        register(ge, ">=", "ge");
    }

    private void register(Test t, String... names) {
        for (String n : names) {
            tests.put(n, t);
        }
    }

    boolean has(String name) {
        return tests.containsKey(name);
    }

    Set<String> names() {
        return tests.keySet();
    }

    boolean apply(String name, Object value, Arguments args) {
        Test t = tests.get(name);
        if (t == null) {
            throw RenderException.of("No test named '" + name + "' found.");
        }
        int allowed = ONE_ARGUMENT.contains(name) ? 1 : 0;
        int given = args.positional().size() + args.keywords().size();
        if (given > allowed) {
            if (OPERATOR_TESTS.contains(name)) {
                throw RenderException.of("expected 2 arguments, got " + (given + 1));
            }
            String takes = (allowed + 1) + " positional argument" + (allowed == 0 ? "" : "s");
            throw RenderException.of("test_" + name + "() takes " + takes + " but " + (given + 1) + " were given");
        }
        return t.test(value, args);
    }

    /** Python's {@code is}: identity for None and booleans, and for small ints as CPython caches them. */
    private static boolean sameAs(Object a, Object b) {
        if (a == null || b == null || a instanceof Boolean || b instanceof Boolean) {
            return a == b || (a != null && a.equals(b) && a.getClass() == b.getClass());
        }
        if (a instanceof Long x && b instanceof Long y) {
            return x.equals(y) && x >= -5 && x <= 256;
        }
        return a == b;
    }
}
