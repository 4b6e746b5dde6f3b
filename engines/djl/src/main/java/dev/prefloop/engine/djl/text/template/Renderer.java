package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Executes a parsed template: statements write to an output buffer, expressions evaluate to
 * Python-like values. Loop bodies get a fresh scope per iteration, as jinja2 scopes them.
 */
final class Renderer {

    /** How a statement list ended: normally, or through a loop control. */
    enum Flow { NORMAL, BREAK, CONTINUE }

    private final Filters filters;
    /** The top-level output, whose generation blocks are tracked; null when none are. */
    private final StringBuilder tracked;
    /** [start, end) character spans of generation blocks written straight into {@code tracked}. */
    private final List<int[]> generationSpans;

    Renderer(Filters filters) {
        this(filters, null, null);
    }

    /** A renderer that records where {@code {% generation %}} blocks land in {@code tracked}. */
    Renderer(Filters filters, StringBuilder tracked, List<int[]> generationSpans) {
        this.filters = filters;
        this.tracked = tracked;
        this.generationSpans = generationSpans;
    }

    Flow execute(List<Stmt> body, Scope scope, StringBuilder out) {
        for (Stmt s : body) {
            Flow flow;
            try {
                flow = executeOne(s, scope, out);
            } catch (RenderException e) {
                throw e.atLine(s.line());
            } catch (ArithmeticException e) {
                throw RenderException.of(e.getMessage()).atLine(s.line());
            }
            if (flow != Flow.NORMAL) {
                return flow;
            }
        }
        return Flow.NORMAL;
    }

    private Flow executeOne(Stmt s, Scope scope, StringBuilder out) {
        if (s instanceof Stmt.Text t) {
            out.append(t.text());
        } else if (s instanceof Stmt.Print p) {
            out.append(PyRepr.str(eval(p.value(), scope)));
        } else if (s instanceof Stmt.If i) {
            for (int k = 0; k < i.tests().size(); k++) {
                if (PythonOperators.truthy(eval(i.tests().get(k), scope))) {
                    return execute(i.bodies().get(k), scope, out);
                }
            }
            return execute(i.otherwise(), scope, out);
        } else if (s instanceof Stmt.For f) {
            renderLoop(f, eval(f.iterable(), scope), scope, out, 0);
        } else if (s instanceof Stmt.Set st) {
            assign(st.target(), eval(st.value(), scope), scope);
        } else if (s instanceof Stmt.NamespaceSet ns) {
            Object target = scope.lookup(ns.namespace());
            if (!(target instanceof Namespace namespace)) {
                throw RenderException.of("cannot assign attribute on non-namespace object");
            }
            namespace.set(ns.attribute(), eval(ns.value(), scope));
        } else if (s instanceof Stmt.BlockSet bs) {
            StringBuilder captured = new StringBuilder();
            Flow flow = execute(bs.body(), scope.child(), captured);
            if (flow != Flow.NORMAL) {
                // jinja2 compiles the block inline: a loop control skips the assignment
                return flow;
            }
            Object value = captured.toString();
            if (bs.filter() != null) {
                value = applyFilterChain(bs.filter(), value, scope);
            }
            assign(bs.target(), value, scope);
        } else if (s instanceof Stmt.Macro m) {
            scope.set(m.name(), new Macro(m.name(), m.params(), m.defaults(), m.body(), scope, this));
        } else if (s instanceof Stmt.CallBlock cb) {
            Macro caller = new Macro("caller", cb.params(), cb.defaults(), cb.body(), scope, this);
            Object callee = eval(cb.call().callee(), scope);
            Arguments args = arguments(cb.call().args(), scope);
            Map<String, Object> kw = new LinkedHashMap<>(args.keywords());
            kw.put("caller", caller);
            out.append(PyRepr.str(call(callee, new Arguments(args.positional(), kw))));
        } else if (s instanceof Stmt.FilterBlock fb) {
            StringBuilder captured = new StringBuilder();
            Flow flow = execute(fb.body(), scope.child(), captured);
            if (flow != Flow.NORMAL) {
                return flow;
            }
            out.append(PyRepr.str(applyFilterChain(fb.filter(), captured.toString(), scope)));
        } else if (s instanceof Stmt.With w) {
            Scope inner = scope.child();
            for (int k = 0; k < w.targets().size(); k++) {
                assign(w.targets().get(k), eval(w.values().get(k), scope), inner);
            }
            return execute(w.body(), inner, out);
        } else if (s instanceof Stmt.Generation g) {
            // transformers' tag is a call block: its body runs as a macro, in its own scope. Like transformers'
            // AssistantTracker, only blocks written to the final output count (not those in a captured set)
            int start = out.length();
            Flow flow = execute(g.body(), scope.child(), out);
            if (out == tracked && out.length() > start) {
                generationSpans.add(new int[] {start, out.length()});
            }
            return flow;
        } else if (s instanceof Stmt.Break) {
            return Flow.BREAK;
        } else if (s instanceof Stmt.Continue) {
            return Flow.CONTINUE;
        }
        return Flow.NORMAL;
    }

    private void renderLoop(Stmt.For f, Object iterable, Scope scope, StringBuilder out, int depth0) {
        List<Object> items = PythonOperators.iterate(iterable);
        if (f.filter() != null) {
            List<Object> kept = new ArrayList<>();
            for (Object item : items) {
                Scope probe = scope.child();
                assign(f.target(), item, probe);
                if (PythonOperators.truthy(eval(f.filter(), probe))) {
                    kept.add(item);
                }
            }
            items = kept;
        }
        LoopContext loop = new LoopContext(items, depth0, f.recursive() ? children -> {
            StringBuilder nested = new StringBuilder();
            renderLoop(f, children, scope, nested, depth0 + 1);
            return nested.toString();
        } : null);
        // jinja2 runs the else block unless some iteration reached the end of the body
        // (one that ended in continue or break does not count)
        boolean completed = false;
        for (int i = 0; i < items.size(); i++) {
            Scope iteration = scope.child();
            assign(f.target(), items.get(i), iteration);
            loop.moveTo(i);
            iteration.set("loop", loop);
            Flow flow = execute(f.body(), iteration, out);
            if (flow == Flow.BREAK) {
                break;
            }
            completed |= flow == Flow.NORMAL;
        }
        if (!completed) {
            execute(f.otherwise(), scope, out);
        }
    }

    private void assign(Expr target, Object value, Scope scope) {
        if (target instanceof Expr.Name n) {
            scope.set(n.name(), value);
            return;
        }
        List<Expr> names = ((Expr.TupleLiteral) target).items();
        List<Object> values = PythonOperators.iterate(value);
        if (values.size() > names.size()) {
            throw RenderException.of("too many values to unpack (expected " + names.size() + ")");
        }
        if (values.size() < names.size()) {
            throw RenderException.of("not enough values to unpack (expected " + names.size() + ", got " + values.size() + ")");
        }
        for (int i = 0; i < names.size(); i++) {
            assign(names.get(i), values.get(i), scope);
        }
    }

    private Object applyFilterChain(Expr.Filter f, Object input, Scope scope) {
        Object value = f.value() == null ? input
                : f.value() instanceof Expr.Filter inner ? applyFilterChain(inner, input, scope) : eval(f.value(), scope);
        return filters.apply(f.name(), value, arguments(f.args(), scope));
    }

    // ---------------------------------------------------------------- expressions

    Object eval(Expr e, Scope scope) {
        if (e instanceof Expr.Const c) {
            return c.value();
        }
        if (e instanceof Expr.Name n) {
            Object v = scope.lookup(n.name());
            return v == PythonOperators.MISSING ? Undefined.variable(n.name()) : v;
        }
        if (e instanceof Expr.GetAttr g) {
            return Attributes.getattr(eval(g.target(), scope), g.name());
        }
        if (e instanceof Expr.GetItem g) {
            Object target = eval(g.target(), scope);
            Object key = g.key() instanceof Expr.Slice s
                    ? new Attributes.SliceValue(opt(s.start(), scope), opt(s.stop(), scope), opt(s.step(), scope))
                    : eval(g.key(), scope);
            return Attributes.getitem(target, key);
        }
        if (e instanceof Expr.Compare c) {
            Object left = eval(c.first(), scope);
            for (int i = 0; i < c.ops().size(); i++) {
                Object right = eval(c.operands().get(i), scope);
                if (!compare(c.ops().get(i), left, right)) {
                    return false;
                }
                left = right;
            }
            return true;
        }
        if (e instanceof Expr.Logical l) {
            Object left = eval(l.left(), scope);
            boolean t = PythonOperators.truthy(left);
            if (l.op().equals("and")) {
                return t ? eval(l.right(), scope) : left;
            }
            return t ? left : eval(l.right(), scope);
        }
        if (e instanceof Expr.Not n) {
            return !PythonOperators.truthy(eval(n.operand(), scope));
        }
        if (e instanceof Expr.Binary b) {
            return Arithmetic.arithmetic(b.op(), eval(b.left(), scope), eval(b.right(), scope));
        }
        if (e instanceof Expr.Unary u) {
            Object v = eval(u.operand(), scope);
            return u.op().equals("-") ? Arithmetic.negate(v) : Arithmetic.positive(v);
        }
        if (e instanceof Expr.Concat c) {
            StringBuilder sb = new StringBuilder();
            for (Expr part : c.parts()) {
                sb.append(PyRepr.str(eval(part, scope)));
            }
            return sb.toString();
        }
        if (e instanceof Expr.CondExpr c) {
            if (PythonOperators.truthy(eval(c.test(), scope))) {
                return eval(c.then(), scope);
            }
            return c.otherwise() == null
                    ? Undefined.withHint("the inline if-expression on line " + c.line()
                            + " evaluated to false and no else section was defined.")
                    : eval(c.otherwise(), scope);
        }
        if (e instanceof Expr.Filter f) {
            return filters.apply(f.name(), eval(f.value(), scope), arguments(f.args(), scope));
        }
        if (e instanceof Expr.Test t) {
            return filters.tests().apply(t.name(), eval(t.value(), scope), arguments(t.args(), scope));
        }
        if (e instanceof Expr.Call c) {
            return call(eval(c.callee(), scope), arguments(c.args(), scope));
        }
        if (e instanceof Expr.ListLiteral l) {
            List<Object> out = new ArrayList<>();
            l.items().forEach(item -> out.add(eval(item, scope)));
            return out;
        }
        if (e instanceof Expr.TupleLiteral t) {
            List<Object> out = new ArrayList<>();
            t.items().forEach(item -> out.add(eval(item, scope)));
            return PyTuple.copyOf(out);
        }
        if (e instanceof Expr.DictLiteral d) {
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < d.keys().size(); i++) {
                PythonOperators.mapPut(out, eval(d.keys().get(i), scope), eval(d.values().get(i), scope));
            }
            return out;
        }
        throw new IllegalStateException("slice outside brackets at line " + e.line());
    }

    private Object opt(Expr e, Scope scope) {
        return e == null ? null : eval(e, scope);
    }

    private static boolean compare(String op, Object a, Object b) {
        return switch (op) {
            case "==" -> PythonOperators.equal(a, b);
            case "!=" -> !PythonOperators.equal(a, b);
            case "in" -> PythonOperators.contains(b, a);
            case "notin" -> !PythonOperators.contains(b, a);
            case "<" -> PythonOperators.compare(a, b, op) < 0;
            case "<=" -> PythonOperators.compare(a, b, op) <= 0;
            case ">" -> PythonOperators.compare(a, b, op) > 0;
            default -> PythonOperators.compare(a, b, op) >= 0;
        };
    }

    private static Object call(Object callee, Arguments args) {
        if (callee instanceof Undefined u) {
            throw u.error();
        }
        if (callee instanceof PyCallable c) {
            return c.call(args);
        }
        throw RenderException.of("'" + PyRepr.typeName(callee) + "' object is not callable");
    }

    private Arguments arguments(Expr.CallArgs a, Scope scope) {
        if (a.positional().isEmpty() && a.keywordNames().isEmpty() && a.starArgs() == null && a.starKwargs() == null) {
            return Arguments.NONE;
        }
        List<Object> positional = new ArrayList<>();
        a.positional().forEach(p -> positional.add(eval(p, scope)));
        if (a.starArgs() != null) {
            positional.addAll(PythonOperators.iterate(eval(a.starArgs(), scope)));
        }
        Map<String, Object> keywords = new LinkedHashMap<>();
        for (int i = 0; i < a.keywordNames().size(); i++) {
            keywords.put(a.keywordNames().get(i), eval(a.keywordValues().get(i), scope));
        }
        if (a.starKwargs() != null) {
            keywords.putAll(ContainerMethods.stringKeys(eval(a.starKwargs(), scope)));
        }
        return new Arguments(positional, keywords);
    }
}
