package dev.prefloop.engine.djl.text.template;

import java.util.List;

/** The expression nodes of a parsed template, as jinja2's parser builds them. */
sealed interface Expr {

    int line();

    record Const(Object value, int line) implements Expr { }

    record Name(String name, int line) implements Expr { }

    record ListLiteral(List<Expr> items, int line) implements Expr { }

    record TupleLiteral(List<Expr> items, int line) implements Expr { }

    record DictLiteral(List<Expr> keys, List<Expr> values, int line) implements Expr { }

    /** {@code obj.name}: attribute first, then item (jinja2's {@code getattr}). */
    record GetAttr(Expr target, String name, int line) implements Expr { }

    /** {@code obj[key]}: item first, then attribute (jinja2's {@code getitem}). */
    record GetItem(Expr target, Expr key, int line) implements Expr { }

    /** {@code start:stop:step} inside brackets; absent parts are null. */
    record Slice(Expr start, Expr stop, Expr step, int line) implements Expr { }

    record Unary(String op, Expr operand, int line) implements Expr { }

    record Binary(String op, Expr left, Expr right, int line) implements Expr { }

    /** {@code a and b}, {@code a or b}: short-circuit, returning an operand as Python does. */
    record Logical(String op, Expr left, Expr right, int line) implements Expr { }

    record Not(Expr operand, int line) implements Expr { }

    /** {@code a ~ b ~ c}. */
    record Concat(List<Expr> parts, int line) implements Expr { }

    /** A chain such as {@code a < b <= c}; ops are ==, !=, <, <=, >, >=, in, notin. */
    record Compare(Expr first, List<String> ops, List<Expr> operands, int line) implements Expr { }

    /** {@code then if test else otherwise}; a missing else gives undefined. */
    record CondExpr(Expr test, Expr then, Expr otherwise, int line) implements Expr { }

    record Call(Expr callee, CallArgs args, int line) implements Expr { }

    record Filter(Expr value, String name, CallArgs args, int line) implements Expr { }

    record Test(Expr value, String name, CallArgs args, int line) implements Expr { }

    /** Arguments as written: positional, keyword, and the {@code *args}/{@code **kwargs} forms. */
    record CallArgs(List<Expr> positional, List<String> keywordNames, List<Expr> keywordValues,
                    Expr starArgs, Expr starKwargs) {

        static final CallArgs NONE = new CallArgs(List.of(), List.of(), List.of(), null, null);
    }
}
