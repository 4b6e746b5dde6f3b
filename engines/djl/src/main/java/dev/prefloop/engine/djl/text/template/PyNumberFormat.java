package dev.prefloop.engine.djl.text.template;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Python's (C printf's) float conversions {@code f}, {@code e} and {@code g}, rounding the exact
 * binary value half-to-even as C does (Java's Formatter rounds the decimal repr half-up instead).
 */
final class PyNumberFormat {

    private PyNumberFormat() {}

    static String fixed(double v, int precision) {
        if (!Double.isFinite(v)) {
            return nonFinite(v);
        }
        String s = new BigDecimal(v).setScale(precision, RoundingMode.HALF_EVEN).abs().toPlainString();
        return (isNegative(v) ? "-" : "") + s;
    }

    static String exponent(double v, int precision, boolean upper) {
        if (!Double.isFinite(v)) {
            return upper ? nonFinite(v).toUpperCase() : nonFinite(v);
        }
        String digits;
        int exp;
        if (v == 0) {
            digits = "0".repeat(precision + 1);
            exp = 0;
        } else {
            BigDecimal r = new BigDecimal(Math.abs(v)).round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            digits = r.unscaledValue().toString();
            exp = digits.length() - 1 - r.scale();
            if (digits.length() < precision + 1) {
                digits = digits + "0".repeat(precision + 1 - digits.length());
            } else {
                digits = digits.substring(0, precision + 1);
            }
        }
        StringBuilder sb = new StringBuilder(isNegative(v) ? "-" : "");
        sb.append(digits.charAt(0));
        if (precision > 0) {
            sb.append('.').append(digits, 1, precision + 1);
        }
        sb.append(upper ? 'E' : 'e').append(exp < 0 ? '-' : '+');
        String e = Integer.toString(Math.abs(exp));
        return sb.append(e.length() < 2 ? "0" + e : e).toString();
    }

    /** The {@code g} conversion: fixed or exponent by magnitude, trailing zeros dropped unless alternate. */
    static String general(double v, int precision, boolean upper, boolean alternate) {
        if (!Double.isFinite(v)) {
            return upper ? nonFinite(v).toUpperCase() : nonFinite(v);
        }
        int p = precision == 0 ? 1 : precision;
        int exp;
        if (v == 0) {
            exp = 0;
        } else {
            BigDecimal r = new BigDecimal(Math.abs(v)).round(new MathContext(p, RoundingMode.HALF_EVEN));
            exp = r.precision() - 1 - r.scale();
        }
        String s = (exp >= -4 && exp < p) ? fixed(v, p - 1 - exp) : exponent(v, p - 1, upper);
        if (!alternate) {
            int e = s.indexOf(upper ? 'E' : 'e');
            String mantissa = e >= 0 ? s.substring(0, e) : s;
            String tail = e >= 0 ? s.substring(e) : "";
            if (mantissa.contains(".")) {
                mantissa = mantissa.replaceAll("0+$", "");
                if (mantissa.endsWith(".")) {
                    mantissa = mantissa.substring(0, mantissa.length() - 1);
                }
            }
            s = mantissa + tail;
        }
        return s;
    }

    private static boolean isNegative(double v) {
        return v < 0 || (v == 0 && 1 / v < 0);
    }

    private static String nonFinite(double v) {
        return Double.isNaN(v) ? "nan" : v > 0 ? "inf" : "-inf";
    }

    /** Pads to a width: {@code <} left-aligns, {@code >} right, {@code ^} centres, {@code =} after the sign. */
    static String pad(String s, int width, char fill, char align) {
        int len = PyStrings.length(s);
        if (width <= len) {
            return s;
        }
        String f = String.valueOf(fill);
        int gap = width - len;
        return switch (align) {
            case '<' -> s + f.repeat(gap);
            case '^' -> f.repeat(gap / 2) + s + f.repeat(gap - gap / 2);
            case '=' -> {
                int signLen = !s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+' || s.charAt(0) == ' ') ? 1 : 0;
                yield s.substring(0, signLen) + f.repeat(gap) + s.substring(signLen);
            }
            default -> f.repeat(gap) + s;
        };
    }
}
