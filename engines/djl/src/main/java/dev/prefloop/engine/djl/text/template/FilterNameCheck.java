package dev.prefloop.engine.djl.text.template;

import java.util.List;

/**
 * jinja2's compile-time check that every filter and test exists; inside an {@code if} (or an
 * inline if) an unknown name is left to fail only if evaluated, as jinja2's "soft" frames do.
 */
final class FilterNameCheck {

    private FilterNameCheck() {}

    static void check(List<Stmt> body, Filters filters) {
        ExprWalker.walk(body, (e, soft) -> {
            if (soft) {
                return;
            }
            if (e instanceof Expr.Filter f && !filters.has(f.name())) {
                throw new TemplateSyntaxException("No filter named '" + f.name() + "'.", f.line());
            }
            if (e instanceof Expr.Test t && !filters.tests().has(t.name())) {
                throw new TemplateSyntaxException("No test named '" + t.name() + "'.", t.line());
            }
        });
    }
}
