package dev.prefloop.engine.djl.text.template;

import java.util.List;

/**
 * Visits every expression of a parsed template, telling the visitor whether it sits in a "soft"
 * frame (inside an {@code if} or an inline if), where jinja2 defers unknown-filter errors to runtime.
 */
final class ExprWalker {

    /** Called once per expression node, parents before children. */
    @FunctionalInterface
    interface Visitor {
        void visit(Expr e, boolean soft);
    }

    private final Visitor visitor;

    private ExprWalker(Visitor visitor) {
        this.visitor = visitor;
    }

    static void walk(List<Stmt> body, Visitor visitor) {
        new ExprWalker(visitor).check(body, false);
    }

    /** Whether the statements mention a variable name anywhere (macros check varargs/kwargs/caller). */
    static boolean mentions(List<Stmt> body, String name) {
        boolean[] found = {false};
        walk(body, (e, soft) -> found[0] |= e instanceof Expr.Name n && n.name().equals(name));
        return found[0];
    }

    private void check(List<Stmt> body, boolean soft) {
        for (Stmt s : body) {
            check(s, soft);
        }
    }

    private void check(Stmt s, boolean soft) {
        if (s instanceof Stmt.Print p) {
            check(p.value(), soft);
        } else if (s instanceof Stmt.If i) {
            i.tests().forEach(t -> check(t, true));
            i.bodies().forEach(b -> check(b, true));
            check(i.otherwise(), true);
        } else if (s instanceof Stmt.For f) {
            check(f.iterable(), soft);
            if (f.filter() != null) {
                check(f.filter(), false);
            }
            check(f.body(), false);
            check(f.otherwise(), false);
        } else if (s instanceof Stmt.Set st) {
            check(st.value(), soft);
        } else if (s instanceof Stmt.NamespaceSet ns) {
            check(ns.value(), soft);
        } else if (s instanceof Stmt.BlockSet bs) {
            if (bs.filter() != null) {
                check(bs.filter(), soft);
            }
            check(bs.body(), soft);
        } else if (s instanceof Stmt.Macro m) {
            m.defaults().forEach(d -> check(d, false));
            check(m.body(), false);
        } else if (s instanceof Stmt.CallBlock cb) {
            check(cb.call(), soft);
            check(cb.body(), false);
        } else if (s instanceof Stmt.FilterBlock fb) {
            check(fb.filter(), soft);
            check(fb.body(), soft);
        } else if (s instanceof Stmt.With w) {
            w.values().forEach(v -> check(v, soft));
            check(w.body(), false);
        } else if (s instanceof Stmt.Generation g) {
            check(g.body(), soft);
        }
    }

    private void check(Expr e, boolean soft) {
        if (e == null) {
            return;
        }
        visitor.visit(e, soft);
        if (e instanceof Expr.Filter f) {
            check(f.value(), soft);
            check(f.args(), soft);
        } else if (e instanceof Expr.Test t) {
            check(t.value(), soft);
            check(t.args(), soft);
        } else if (e instanceof Expr.CondExpr c) {
            check(c.test(), true);
            check(c.then(), true);
            check(c.otherwise(), true);
        } else if (e instanceof Expr.GetAttr g) {
            check(g.target(), soft);
        } else if (e instanceof Expr.GetItem g) {
            check(g.target(), soft);
            check(g.key(), soft);
        } else if (e instanceof Expr.Slice s) {
            check(s.start(), soft);
            check(s.stop(), soft);
            check(s.step(), soft);
        } else if (e instanceof Expr.Unary u) {
            check(u.operand(), soft);
        } else if (e instanceof Expr.Not n) {
            check(n.operand(), soft);
        } else if (e instanceof Expr.Binary b) {
            check(b.left(), soft);
            check(b.right(), soft);
        } else if (e instanceof Expr.Logical l) {
            check(l.left(), soft);
            check(l.right(), soft);
        } else if (e instanceof Expr.Concat c) {
            c.parts().forEach(p -> check(p, soft));
        } else if (e instanceof Expr.Compare c) {
            check(c.first(), soft);
            c.operands().forEach(o -> check(o, soft));
        } else if (e instanceof Expr.Call c) {
            check(c.callee(), soft);
            check(c.args(), soft);
        } else if (e instanceof Expr.ListLiteral l) {
            l.items().forEach(i -> check(i, soft));
        } else if (e instanceof Expr.TupleLiteral t) {
            t.items().forEach(i -> check(i, soft));
        } else if (e instanceof Expr.DictLiteral d) {
            d.keys().forEach(k -> check(k, soft));
            d.values().forEach(v -> check(v, soft));
        }
    }

    private void check(Expr.CallArgs a, boolean soft) {
        a.positional().forEach(p -> check(p, soft));
        a.keywordValues().forEach(v -> check(v, soft));
        check(a.starArgs(), soft);
        check(a.starKwargs(), soft);
    }
}
