package dev.prefloop.engine.djl.text.template;

import java.util.List;

/** The statement nodes of a parsed template: text, prints and the block tags transformers allows. */
sealed interface Stmt {

    int line();

    record Text(String text, int line) implements Stmt { }

    record Print(Expr value, int line) implements Stmt { }

    record If(List<Expr> tests, List<List<Stmt>> bodies, List<Stmt> otherwise, int line) implements Stmt { }

    /** {@code for target in iterable if filter}; target is a name or a (nested) tuple of names. */
    record For(Expr target, Expr iterable, Expr filter, List<Stmt> body, List<Stmt> otherwise,
               boolean recursive, int line) implements Stmt { }

    /** {@code set target = value}; target is a name, tuple of names, or {@code ns.attr}. */
    record Set(Expr target, Expr value, int line) implements Stmt { }

    /** {@code set name %}...{% endset}, optionally filtered: captures the rendered body. */
    record BlockSet(Expr target, List<Stmt> body, Expr.Filter filter, int line) implements Stmt { }

    record NamespaceSet(String namespace, String attribute, Expr value, int line) implements Stmt { }

    record Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, int line) implements Stmt { }

    /** {@code call(args) macro(...)}: the body becomes {@code caller()} inside the macro. */
    record CallBlock(Expr.Call call, List<String> params, List<Expr> defaults, List<Stmt> body, int line) implements Stmt { }

    /** {@code filter name(args)}: the body's output piped through filters; the innermost is a Filter on null. */
    record FilterBlock(Expr.Filter filter, List<Stmt> body, int line) implements Stmt { }

    record With(List<Expr> targets, List<Expr> values, List<Stmt> body, int line) implements Stmt { }

    record Break(int line) implements Stmt { }

    record Continue(int line) implements Stmt { }

    /** transformers' {@code generation} tag: renders its body (the tracked span is not needed here). */
    record Generation(List<Stmt> body, int line) implements Stmt { }
}
