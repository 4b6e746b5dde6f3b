package dev.prefloop.engine.djl.text.template;

import dev.prefloop.engine.djl.text.template.Token.Kind;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Builds statements and expressions from tokens following jinja2's parser, including its operator
 * precedence ({@code not a|length == 1} is {@code not ((a|length) == 1)}).
 */
final class Parser {

    private static final Set<String> COMPARE_OPS = Set.of("==", "!=", "<", "<=", ">", ">=");
    private static final Set<String> MATH2_OPS = Set.of("*", "/", "//", "%");

    private final List<Token> tokens;
    private int index;

    private Parser(List<Token> tokens) {
        this.tokens = tokens;
    }

    static List<Stmt> parse(String source) {
        Parser p = new Parser(Lexer.tokenize(source));
        List<Stmt> body = p.subparse(Set.of());
        if (p.current().kind() != Kind.EOF) {
            throw p.fail("Unexpected end tag '" + p.peek(1).text() + "'", p.current());
        }
        return body;
    }

    // ---------------------------------------------------------------- token stream

    private Token current() {
        return tokens.get(index);
    }

    private Token peek(int ahead) {
        return tokens.get(Math.min(index + ahead, tokens.size() - 1));
    }

    private Token next() {
        Token t = tokens.get(index);
        if (t.kind() != Kind.EOF) {
            index++;
        }
        return t;
    }

    private boolean skipOperator(String op) {
        if (current().isOperator(op)) {
            next();
            return true;
        }
        return false;
    }

    private boolean skipName(String name) {
        if (current().isName(name)) {
            next();
            return true;
        }
        return false;
    }

    private Token expect(Kind kind, String what) {
        Token t = current();
        if (t.kind() != kind) {
            throw fail("expected " + what + ", got " + t.describe(), t);
        }
        return next();
    }

    private void expectOperator(String op) {
        if (!skipOperator(op)) {
            throw fail("expected '" + op + "', got " + current().describe(), current());
        }
    }

    private void expectName(String name) {
        if (!skipName(name)) {
            throw fail("expected '" + name + "', got " + current().describe(), current());
        }
    }

    private TemplateSyntaxException fail(String message, Token at) {
        return new TemplateSyntaxException(message, at.line());
    }

    // ---------------------------------------------------------------- statements

    /** Statements until a block tag whose name is in {@code endTags} (left unconsumed, after its {%). */
    private List<Stmt> subparse(Set<String> endTags) {
        List<Stmt> body = new ArrayList<>();
        while (true) {
            Token t = current();
            switch (t.kind()) {
                case EOF -> {
                    if (!endTags.isEmpty()) {
                        throw fail("Unexpected end of template. Jinja was looking for the following tags: "
                                + String.join(" or ", endTags.stream().map(s -> "'" + s + "'").sorted().toList())
                                + ".", t);
                    }
                    return body;
                }
                case DATA -> body.add(new Stmt.Text(next().text(), t.line()));
                case VARIABLE_BEGIN -> {
                    next();
                    Expr value = parseTuple(true, Set.of(), false);
                    expect(Kind.VARIABLE_END, "end of print statement");
                    body.add(new Stmt.Print(value, t.line()));
                }
                case BLOCK_BEGIN -> {
                    Token tag = peek(1);
                    if (tag.kind() == Kind.NAME && endTags.contains(tag.text())) {
                        next();
                        return body;
                    }
                    next();
                    body.add(parseStatement());
                }
                default -> throw fail("unexpected " + t.describe(), t);
            }
        }
    }

    private Stmt parseStatement() {
        Token tag = current();
        if (tag.kind() != Kind.NAME) {
            throw fail("tag name expected", tag);
        }
        next();
        Stmt s = switch (tag.text()) {
            case "if" -> parseIf(tag);
            case "for" -> parseFor(tag);
            case "set" -> parseSet(tag);
            case "macro" -> parseMacro(tag);
            case "call" -> parseCallBlock(tag);
            case "filter" -> parseFilterBlock(tag);
            case "with" -> parseWith(tag);
            case "generation" -> {
                expect(Kind.BLOCK_END, "end of statement block");
                yield new Stmt.Generation(parseBody("endgeneration"), tag.line());
            }
            case "break" -> new Stmt.Break(tag.line());
            case "continue" -> new Stmt.Continue(tag.line());
            default -> throw fail("Encountered unknown tag '" + tag.text() + "'.", tag);
        };
        expect(Kind.BLOCK_END, "end of statement block");
        return s;
    }

    /** The body up to the end tag, consuming the tag's name (its %} is left to parseStatement). */
    private List<Stmt> parseBody(String end) {
        List<Stmt> body = subparse(Set.of(end));
        next();
        return body;
    }

    private Stmt parseIf(Token tag) {
        List<Expr> tests = new ArrayList<>();
        List<List<Stmt>> bodies = new ArrayList<>();
        List<Stmt> otherwise = List.of();
        tests.add(parseTuple(false, Set.of(), false));
        expect(Kind.BLOCK_END, "end of statement block");
        while (true) {
            bodies.add(subparse(Set.of("elif", "else", "endif")));
            String which = next().text();
            if (which.equals("elif")) {
                tests.add(parseTuple(false, Set.of(), false));
                expect(Kind.BLOCK_END, "end of statement block");
            } else if (which.equals("else")) {
                expect(Kind.BLOCK_END, "end of statement block");
                otherwise = subparse(Set.of("endif"));
                next();
                break;
            } else {
                break;
            }
        }
        return new Stmt.If(tests, bodies, otherwise, tag.line());
    }

    private Stmt parseFor(Token tag) {
        Expr target = parseAssignTarget(Set.of("in"));
        expectName("in");
        Expr iterable = parseTuple(false, Set.of("recursive"), false);
        Expr filter = null;
        if (skipName("if")) {
            filter = parseExpression(true);
        }
        boolean recursive = skipName("recursive");
        expect(Kind.BLOCK_END, "end of statement block");
        List<Stmt> body = subparse(Set.of("endfor", "else"));
        List<Stmt> otherwise = List.of();
        if (next().text().equals("else")) {
            expect(Kind.BLOCK_END, "end of statement block");
            otherwise = subparse(Set.of("endfor"));
            next();
        }
        return new Stmt.For(target, iterable, filter, body, otherwise, recursive, tag.line());
    }

    private Stmt parseSet(Token tag) {
        if (current().kind() == Kind.NAME && peek(1).isOperator(".")) {
            String ns = next().text();
            next();
            String attr = expect(Kind.NAME, "attribute name").text();
            expectOperator("=");
            return new Stmt.NamespaceSet(ns, attr, parseTuple(true, Set.of(), false), tag.line());
        }
        Expr target = parseAssignTarget(Set.of());
        if (skipOperator("=")) {
            return new Stmt.Set(target, parseTuple(true, Set.of(), false), tag.line());
        }
        Expr.Filter filter = current().isOperator("|") ? parseFilterChain(null) : null;
        expect(Kind.BLOCK_END, "end of statement block");
        List<Stmt> body = parseBody("endset");
        return new Stmt.BlockSet(target, body, filter, tag.line());
    }

    private Stmt parseMacro(Token tag) {
        String name = expect(Kind.NAME, "macro name").text();
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        parseSignature(params, defaults);
        expect(Kind.BLOCK_END, "end of statement block");
        return new Stmt.Macro(name, params, defaults, parseBody("endmacro"), tag.line());
    }

    private Stmt parseCallBlock(Token tag) {
        List<String> params = new ArrayList<>();
        List<Expr> defaults = new ArrayList<>();
        if (current().isOperator("(")) {
            parseSignature(params, defaults);
        }
        Expr call = parseExpression(true);
        if (!(call instanceof Expr.Call c)) {
            throw fail("expected call", tag);
        }
        expect(Kind.BLOCK_END, "end of statement block");
        return new Stmt.CallBlock(c, params, defaults, parseBody("endcall"), tag.line());
    }

    private void parseSignature(List<String> params, List<Expr> defaults) {
        expectOperator("(");
        while (!current().isOperator(")")) {
            if (!params.isEmpty()) {
                expectOperator(",");
            }
            String p = expect(Kind.NAME, "parameter name").text();
            params.add(p);
            if (skipOperator("=")) {
                defaults.add(parseExpression(true));
            } else if (!defaults.isEmpty()) {
                throw fail("non-default argument follows default argument", current());
            }
        }
        expectOperator(")");
    }

    private Stmt parseFilterBlock(Token tag) {
        Expr.Filter filter = parseFilterChain(null, true);
        expect(Kind.BLOCK_END, "end of statement block");
        return new Stmt.FilterBlock(filter, parseBody("endfilter"), tag.line());
    }

    private Stmt parseWith(Token tag) {
        List<Expr> targets = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (current().kind() != Kind.BLOCK_END) {
            if (!targets.isEmpty()) {
                expectOperator(",");
            }
            targets.add(parseAssignTarget(Set.of()));
            expectOperator("=");
            values.add(parseExpression(true));
        }
        expect(Kind.BLOCK_END, "end of statement block");
        return new Stmt.With(targets, values, parseBody("endwith"), tag.line());
    }

    /** A name or a tuple of names (as in {@code for k, v in ...}). */
    private Expr parseAssignTarget(Set<String> extraEnd) {
        Expr target = parseTupleOf(this::parsePrimary, extraEnd, false);
        checkAssignable(target);
        return target;
    }

    private void checkAssignable(Expr target) {
        if (target instanceof Expr.TupleLiteral t) {
            t.items().forEach(this::checkAssignable);
        } else if (!(target instanceof Expr.Name)) {
            throw new TemplateSyntaxException("can't assign to " + target.getClass().getSimpleName(), target.line());
        }
    }

    // ---------------------------------------------------------------- expressions

    private Expr parseTuple(boolean withCondExpr, Set<String> extraEnd, boolean explicitParens) {
        return parseTupleOf(() -> parseExpression(withCondExpr), extraEnd, explicitParens);
    }

    private Expr parseTupleOf(java.util.function.Supplier<Expr> item, Set<String> extraEnd, boolean explicitParens) {
        int line = current().line();
        List<Expr> args = new ArrayList<>();
        boolean isTuple = false;
        while (true) {
            if (!args.isEmpty()) {
                expectOperator(",");
            }
            if (isTupleEnd(extraEnd)) {
                break;
            }
            args.add(item.get());
            if (current().isOperator(",")) {
                isTuple = true;
            } else {
                break;
            }
        }
        if (!isTuple) {
            if (!args.isEmpty()) {
                return args.get(0);
            }
            if (!explicitParens) {
                throw fail("Expected an expression, got " + current().describe(), current());
            }
        }
        return new Expr.TupleLiteral(args, line);
    }

    private boolean isTupleEnd(Set<String> extraEnd) {
        Token t = current();
        return t.kind() == Kind.VARIABLE_END || t.kind() == Kind.BLOCK_END || t.isOperator(")")
                || (t.kind() == Kind.NAME && extraEnd.contains(t.text()));
    }

    private Expr parseExpression(boolean withCondExpr) {
        return withCondExpr ? parseCondExpr() : parseOr();
    }

    private Expr parseCondExpr() {
        Expr expr = parseOr();
        while (current().isName("if")) {
            int line = next().line();
            Expr test = parseOr();
            Expr otherwise = skipName("else") ? parseCondExpr() : null;
            expr = new Expr.CondExpr(test, expr, otherwise, line);
        }
        return expr;
    }

    private Expr parseOr() {
        Expr left = parseAnd();
        while (current().isName("or")) {
            int line = next().line();
            left = new Expr.Logical("or", left, parseAnd(), line);
        }
        return left;
    }

    private Expr parseAnd() {
        Expr left = parseNot();
        while (current().isName("and")) {
            int line = next().line();
            left = new Expr.Logical("and", left, parseNot(), line);
        }
        return left;
    }

    private Expr parseNot() {
        if (current().isName("not")) {
            int line = next().line();
            return new Expr.Not(parseNot(), line);
        }
        return parseCompare();
    }

    private Expr parseCompare() {
        int line = current().line();
        Expr first = parseMath1();
        List<String> ops = new ArrayList<>();
        List<Expr> operands = new ArrayList<>();
        while (true) {
            Token t = current();
            if (t.kind() == Kind.OPERATOR && COMPARE_OPS.contains(t.text())) {
                next();
                ops.add(t.text());
            } else if (t.isName("in")) {
                next();
                ops.add("in");
            } else if (t.isName("not") && peek(1).isName("in")) {
                next();
                next();
                ops.add("notin");
            } else {
                break;
            }
            operands.add(parseMath1());
        }
        return ops.isEmpty() ? first : new Expr.Compare(first, ops, operands, line);
    }

    private Expr parseMath1() {
        Expr left = parseConcat();
        while (current().isOperator("+") || current().isOperator("-")) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parseConcat(), op.line());
        }
        return left;
    }

    private Expr parseConcat() {
        int line = current().line();
        List<Expr> parts = new ArrayList<>();
        parts.add(parseMath2());
        while (skipOperator("~")) {
            parts.add(parseMath2());
        }
        return parts.size() == 1 ? parts.get(0) : new Expr.Concat(parts, line);
    }

    private Expr parseMath2() {
        Expr left = parsePow();
        while (current().kind() == Kind.OPERATOR && MATH2_OPS.contains(current().text())) {
            Token op = next();
            left = new Expr.Binary(op.text(), left, parsePow(), op.line());
        }
        return left;
    }

    private Expr parsePow() {
        Expr left = parseUnary(true);
        while (current().isOperator("**")) {
            Token op = next();
            left = new Expr.Binary("**", left, parseUnary(true), op.line());
        }
        return left;
    }

    private Expr parseUnary(boolean withFilter) {
        Token t = current();
        Expr node;
        if (t.isOperator("-") || t.isOperator("+")) {
            next();
            node = new Expr.Unary(t.text(), parseUnary(false), t.line());
        } else {
            node = parsePrimary();
        }
        node = parsePostfix(node);
        if (withFilter) {
            node = parseFilterExpr(node);
        }
        return node;
    }

    private Expr parsePrimary() {
        Token t = current();
        switch (t.kind()) {
            case NAME -> {
                next();
                return switch (t.text()) {
                    case "true", "True" -> new Expr.Const(Boolean.TRUE, t.line());
                    case "false", "False" -> new Expr.Const(Boolean.FALSE, t.line());
                    case "none", "None" -> new Expr.Const(null, t.line());
                    default -> new Expr.Name(t.text(), t.line());
                };
            }
            case STRING -> {
                StringBuilder sb = new StringBuilder();
                while (current().kind() == Kind.STRING) {
                    sb.append(next().text());
                }
                return new Expr.Const(sb.toString(), t.line());
            }
            case INTEGER -> {
                next();
                return new Expr.Const(parseInteger(t.text()), t.line());
            }
            case FLOAT -> {
                next();
                return new Expr.Const(Double.parseDouble(t.text()), t.line());
            }
            case OPERATOR -> {
                if (t.isOperator("(")) {
                    next();
                    Expr e = parseTuple(true, Set.of(), true);
                    expectOperator(")");
                    return e;
                }
                if (t.isOperator("[")) {
                    return parseList();
                }
                if (t.isOperator("{")) {
                    return parseDict();
                }
                throw fail("unexpected " + t.describe(), t);
            }
            default -> throw fail("unexpected " + t.describe(), t);
        }
    }

    private static Object parseInteger(String text) {
        BigInteger v;
        if (text.length() > 2 && text.charAt(0) == '0' && Character.isLetter(text.charAt(1))) {
            int radix = switch (Character.toLowerCase(text.charAt(1))) {
                case 'b' -> 2;
                case 'o' -> 8;
                default -> 16;
            };
            v = new BigInteger(text.substring(2), radix);
        } else {
            v = new BigInteger(text);
        }
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Expr parseList() {
        int line = next().line();
        List<Expr> items = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!items.isEmpty()) {
                expectOperator(",");
            }
            if (current().isOperator("]")) {
                break;
            }
            items.add(parseExpression(true));
        }
        expectOperator("]");
        return new Expr.ListLiteral(items, line);
    }

    private Expr parseDict() {
        int line = next().line();
        List<Expr> keys = new ArrayList<>();
        List<Expr> values = new ArrayList<>();
        while (!current().isOperator("}")) {
            if (!keys.isEmpty()) {
                expectOperator(",");
            }
            if (current().isOperator("}")) {
                break;
            }
            keys.add(parseExpression(true));
            expectOperator(":");
            values.add(parseExpression(true));
        }
        expectOperator("}");
        return new Expr.DictLiteral(keys, values, line);
    }

    private Expr parsePostfix(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOperator(".") || t.isOperator("[")) {
                node = parseSubscript(node);
            } else if (t.isOperator("(")) {
                node = new Expr.Call(node, parseCallArgs(), t.line());
            } else {
                return node;
            }
        }
    }

    private Expr parseFilterExpr(Expr node) {
        while (true) {
            Token t = current();
            if (t.isOperator("|")) {
                node = parseFilterChain(node);
            } else if (t.isName("is")) {
                node = parseTest(node);
            } else if (t.isOperator("(")) {
                node = new Expr.Call(node, parseCallArgs(), t.line());
            } else {
                return node;
            }
        }
    }

    private Expr parseSubscript(Expr node) {
        Token t = next();
        if (t.isOperator(".")) {
            Token attr = next();
            if (attr.kind() == Kind.NAME) {
                return new Expr.GetAttr(node, attr.text(), t.line());
            }
            if (attr.kind() == Kind.INTEGER) {
                return new Expr.GetItem(node, new Expr.Const(parseInteger(attr.text()), attr.line()), t.line());
            }
            throw fail("expected name or number", attr);
        }
        List<Expr> args = new ArrayList<>();
        while (!current().isOperator("]")) {
            if (!args.isEmpty()) {
                expectOperator(",");
            }
            args.add(parseSubscribed());
        }
        expectOperator("]");
        Expr key = args.size() == 1 ? args.get(0) : new Expr.TupleLiteral(args, t.line());
        return new Expr.GetItem(node, key, t.line());
    }

    private Expr parseSubscribed() {
        int line = current().line();
        Expr start = null;
        if (current().isOperator(":")) {
            next();
        } else {
            Expr node = parseExpression(true);
            if (!current().isOperator(":")) {
                return node;
            }
            next();
            start = node;
        }
        Expr stop = null;
        if (!current().isOperator(":") && !current().isOperator("]") && !current().isOperator(",")) {
            stop = parseExpression(true);
        }
        Expr step = null;
        if (skipOperator(":") && !current().isOperator("]") && !current().isOperator(",")) {
            step = parseExpression(true);
        }
        return new Expr.Slice(start, stop, step, line);
    }

    private Expr.CallArgs parseCallArgs() {
        expectOperator("(");
        List<Expr> positional = new ArrayList<>();
        List<String> kwNames = new ArrayList<>();
        List<Expr> kwValues = new ArrayList<>();
        Expr starArgs = null;
        Expr starKwargs = null;
        boolean first = true;
        while (!current().isOperator(")")) {
            if (!first) {
                expectOperator(",");
                if (current().isOperator(")")) {
                    break;
                }
            }
            first = false;
            if (skipOperator("*")) {
                starArgs = parseExpression(true);
            } else if (skipOperator("**")) {
                starKwargs = parseExpression(true);
            } else if (current().kind() == Kind.NAME && peek(1).isOperator("=")) {
                kwNames.add(next().text());
                next();
                kwValues.add(parseExpression(true));
            } else {
                if (!kwNames.isEmpty() || starArgs != null || starKwargs != null) {
                    throw fail("Invalid argument syntax", current());
                }
                positional.add(parseExpression(true));
            }
        }
        expectOperator(")");
        return new Expr.CallArgs(positional, kwNames, kwValues, starArgs, starKwargs);
    }

    private Expr.Filter parseFilterChain(Expr node) {
        return parseFilterChain(node, false);
    }

    /** One or more {@code |name(args)}; with startInline the first bar is already implied. */
    private Expr.Filter parseFilterChain(Expr node, boolean startInline) {
        Expr result = node;
        while (current().isOperator("|") || startInline) {
            if (!startInline) {
                next();
            }
            startInline = false;
            Token name = expect(Kind.NAME, "filter name");
            StringBuilder full = new StringBuilder(name.text());
            while (current().isOperator(".")) {
                next();
                full.append('.').append(expect(Kind.NAME, "filter name").text());
            }
            Expr.CallArgs args = current().isOperator("(") ? parseCallArgs() : Expr.CallArgs.NONE;
            result = new Expr.Filter(result, full.toString(), args, name.line());
        }
        return (Expr.Filter) result;
    }

    private Expr parseTest(Expr node) {
        Token is = next();
        boolean negated = skipName("not");
        Token name = expect(Kind.NAME, "test name");
        StringBuilder full = new StringBuilder(name.text());
        while (current().isOperator(".")) {
            next();
            full.append('.').append(expect(Kind.NAME, "test name").text());
        }
        Expr.CallArgs args = Expr.CallArgs.NONE;
        Token t = current();
        if (t.isOperator("(")) {
            args = parseCallArgs();
        } else if ((t.kind() == Kind.NAME || t.kind() == Kind.STRING || t.kind() == Kind.INTEGER
                || t.kind() == Kind.FLOAT || t.isOperator("(") || t.isOperator("[") || t.isOperator("{"))
                && !(t.isName("else") || t.isName("or") || t.isName("and"))) {
            if (t.isName("is")) {
                throw fail("You cannot chain multiple tests with is", t);
            }
            Expr arg = parsePostfix(parsePrimary());
            args = new Expr.CallArgs(List.of(arg), List.of(), List.of(), null, null);
        }
        Expr test = new Expr.Test(node, full.toString(), args, is.line());
        return negated ? new Expr.Not(test, is.line()) : test;
    }
}
