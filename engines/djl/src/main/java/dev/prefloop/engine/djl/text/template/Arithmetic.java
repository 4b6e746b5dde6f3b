package dev.prefloop.engine.djl.text.template;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * Python's arithmetic on template values: int/float promotion, true and floor division, modulo
 * with the divisor's sign, unbounded ints, str and list concatenation and repetition, {@code %}
 * formatting, and markupsafe's escaping when Markup meets a plain string.
 */
final class Arithmetic {

    private Arithmetic() {}

    static Object negate(Object v) {
        PythonOperators.failIfUndefined(v);
        if (v instanceof Double d) {
            return -d;
        }
        if (v instanceof BigInteger bi) {
            return bi.negate();
        }
        if (PythonOperators.isInt(v)) {
            return -PythonOperators.toLong(v);
        }
        throw RenderException.of("bad operand type for unary -: '" + PyRepr.typeName(v) + "'");
    }

    static Object positive(Object v) {
        PythonOperators.failIfUndefined(v);
        if (v instanceof Double) {
            return v;
        }
        if (PythonOperators.isInt(v)) {
            return PythonOperators.toLong(v);
        }
        throw RenderException.of("bad operand type for unary +: '" + PyRepr.typeName(v) + "'");
    }

    /** A binary arithmetic operator: + - * / // % **. */
    static Object arithmetic(String op, Object a, Object b) {
        if (op.equals("%") && a instanceof String fmt && b instanceof Undefined) {
            // Undefined has __getitem__, so Python formats against it as a mapping: no error without specifiers
            return PercentFormat.format(fmt, b);
        }
        PythonOperators.failIfUndefined(a);
        PythonOperators.failIfUndefined(b);
        if (PythonOperators.isNumber(a) && PythonOperators.isNumber(b)) {
            return numeric(op, a, b);
        }
        if (op.equals("+") && (a instanceof Markup || b instanceof Markup)
                && (a instanceof Markup || a instanceof String) && (b instanceof Markup || b instanceof String)) {
            return Markup.concat(a, b);
        }
        if (op.equals("%") && a instanceof Markup m) {
            return new Markup(PercentFormat.format(m.text(), escapeArgs(b)));
        }
        a = PythonOperators.plain(a);
        b = PythonOperators.plain(b);
        switch (op) {
            case "+" -> {
                if (a instanceof String sa && b instanceof String sb) {
                    return sa + sb;
                }
                if (a instanceof String && !(b instanceof String)) {
                    throw RenderException.of("can only concatenate str (not \"" + PyRepr.typeName(b) + "\") to str");
                }
                if (a instanceof List<?> la && b instanceof List<?> lb
                        && (a instanceof PyTuple) == (b instanceof PyTuple) && !(a instanceof PyRange)) {
                    List<Object> out = new ArrayList<>(la);
                    out.addAll(lb);
                    return a instanceof PyTuple ? PyTuple.copyOf(out) : out;
                }
                if (a instanceof List && !(b instanceof List) && !(a instanceof PyTuple)) {
                    throw RenderException.of("can only concatenate list (not \"" + PyRepr.typeName(b) + "\") to list");
                }
            }
            case "*" -> {
                if (PythonOperators.isInt(b) && (a instanceof String || a instanceof List)) {
                    return repeat(a, PythonOperators.toLong(b));
                }
                if (PythonOperators.isInt(a) && (b instanceof String || b instanceof List)) {
                    return repeat(b, PythonOperators.toLong(a));
                }
                Object other = a instanceof String || a instanceof List ? b : b instanceof String || b instanceof List ? a : null;
                if (other != null) {
                    throw RenderException.of("can't multiply sequence by non-int of type '" + PyRepr.typeName(other) + "'");
                }
            }
            case "%" -> {
                if (a instanceof String fmt) {
                    return PercentFormat.format(fmt, b);
                }
            }
            default -> { }
        }
        throw RenderException.of("unsupported operand type(s) for " + op + ": '" + PyRepr.typeName(a) + "' and '"
                + PyRepr.typeName(b) + "'");
    }

    private static Object escapeArgs(Object args) {
        if (args instanceof PyTuple t) {
            List<Object> out = new ArrayList<>();
            t.forEach(x -> out.add(x instanceof String s ? new Markup(Markup.escaped(s)) : x));
            return PyTuple.copyOf(out);
        }
        return args instanceof String s ? new Markup(Markup.escaped(s)) : args;
    }

    private static Object repeat(Object seq, long times) {
        if (seq instanceof String s) {
            return times <= 0 ? "" : s.repeat((int) times);
        }
        List<Object> out = new ArrayList<>();
        for (long i = 0; i < times; i++) {
            out.addAll((List<?>) seq);
        }
        return seq instanceof PyTuple ? PyTuple.copyOf(out) : out;
    }

    private static Object numeric(String op, Object a, Object b) {
        boolean floats = a instanceof Double || b instanceof Double;
        if (op.equals("/")) {
            double d = PythonOperators.toDouble(b);
            if (d == 0) {
                throw RenderException.of(floats ? "float division by zero" : "division by zero");
            }
            return PythonOperators.toDouble(a) / d;
        }
        if (floats) {
            double x = PythonOperators.toDouble(a);
            double y = PythonOperators.toDouble(b);
            return switch (op) {
                case "+" -> x + y;
                case "-" -> x - y;
                case "*" -> x * y;
                case "//" -> {
                    if (y == 0) {
                        throw RenderException.of("float floor division by zero");
                    }
                    yield Math.floor(x / y);
                }
                case "%" -> {
                    if (y == 0) {
                        throw RenderException.of("float modulo");
                    }
                    double r = x % y;
                    yield (r != 0 && (r < 0) != (y < 0)) ? r + y : r;
                }
                case "**" -> Math.pow(x, y);
                default -> throw new IllegalArgumentException(op);
            };
        }
        if (a instanceof BigInteger || b instanceof BigInteger) {
            return bigNumeric(op, big(a), big(b));
        }
        try {
            return longNumeric(op, PythonOperators.toLong(a), PythonOperators.toLong(b));
        } catch (ArithmeticException overflow) {
            if (overflow.getMessage() != null && overflow.getMessage().contains("zero")) {
                throw overflow;
            }
            return bigNumeric(op, big(a), big(b));
        }
    }

    private static BigInteger big(Object v) {
        return v instanceof BigInteger bi ? bi : BigInteger.valueOf(PythonOperators.toLong(v));
    }

    /** Python ints are unbounded: beyond long, arithmetic continues in BigInteger. */
    private static Object bigNumeric(String op, BigInteger x, BigInteger y) {
        BigInteger r = switch (op) {
            case "+" -> x.add(y);
            case "-" -> x.subtract(y);
            case "*" -> x.multiply(y);
            case "//" -> {
                if (y.signum() == 0) {
                    throw RenderException.of("integer division or modulo by zero");
                }
                BigInteger[] qr = x.divideAndRemainder(y);
                yield qr[1].signum() != 0 && qr[1].signum() != y.signum() ? qr[0].subtract(BigInteger.ONE) : qr[0];
            }
            case "%" -> {
                if (y.signum() == 0) {
                    throw RenderException.of("integer modulo by zero");
                }
                BigInteger m = x.mod(y.abs());
                yield y.signum() < 0 && m.signum() != 0 ? m.add(y) : m;
            }
            case "**" -> {
                if (y.signum() < 0) {
                    yield null;
                }
                yield x.pow(y.intValueExact());
            }
            default -> throw new IllegalArgumentException(op);
        };
        if (r == null) {
            return Math.pow(x.doubleValue(), y.doubleValue());
        }
        return r.bitLength() < 64 ? (Object) r.longValue() : r;
    }

    private static Object longNumeric(String op, long x, long y) {
        return switch (op) {
            case "+" -> Math.addExact(x, y);
            case "-" -> Math.subtractExact(x, y);
            case "*" -> Math.multiplyExact(x, y);
            case "//" -> {
                if (y == 0) {
                    throw RenderException.of("integer division or modulo by zero");
                }
                yield Math.floorDiv(x, y);
            }
            case "%" -> {
                if (y == 0) {
                    throw RenderException.of("integer modulo by zero");
                }
                yield Math.floorMod(x, y);
            }
            case "**" -> y < 0 ? (Object) Math.pow(x, y) : BigInteger.valueOf(x).pow((int) y).longValueExact();
            default -> throw new IllegalArgumentException(op);
        };
    }
}
