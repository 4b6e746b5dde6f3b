package dev.prefloop.engine.djl.text.template;

/** Python's {@code str.format}: {@code {}}, {@code {0}}, {@code {name.attr}}, {@code !r} and format specs. */
final class StrFormat {

    private StrFormat() {}

    static String format(String fmt, Arguments args) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        boolean manual = false;
        int i = 0;
        int n = fmt.length();
        while (i < n) {
            char c = fmt.charAt(i);
            if (c == '}') {
                if (i + 1 < n && fmt.charAt(i + 1) == '}') {
                    out.append('}');
                    i += 2;
                    continue;
                }
                throw RenderException.of("Single '}' encountered in format string");
            }
            if (c != '{') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 < n && fmt.charAt(i + 1) == '{') {
                out.append('{');
                i += 2;
                continue;
            }
            int close = matchingBrace(fmt, i);
            String field = fmt.substring(i + 1, close);
            i = close + 1;
            String spec = "";
            int colon = field.indexOf(':');
            if (colon >= 0) {
                spec = field.substring(colon + 1);
                field = field.substring(0, colon);
            }
            char conversion = 0;
            int bang = field.indexOf('!');
            if (bang >= 0) {
                conversion = field.length() > bang + 1 ? field.charAt(bang + 1) : 0;
                field = field.substring(0, bang);
            }
            int end = 0;
            while (end < field.length() && field.charAt(end) != '.' && field.charAt(end) != '[') {
                end++;
            }
            String head = field.substring(0, end);
            Object value;
            if (head.isEmpty()) {
                if (manual) {
                    throw RenderException.of("cannot switch from manual field specification to automatic field numbering");
                }
                value = positional(args, auto++);
            } else if (head.chars().allMatch(Character::isDigit)) {
                if (auto > 0) {
                    throw RenderException.of("cannot switch from automatic field numbering to manual field specification");
                }
                manual = true;
                value = positional(args, Integer.parseInt(head));
            } else {
                if (!args.keywords().containsKey(head)) {
                    throw RenderException.of("KeyError: " + PyRepr.repr(head));
                }
                value = args.keywords().get(head);
            }
            value = accessors(value, field.substring(end));
            if (conversion == 'r' || conversion == 'a') {
                value = PyRepr.repr(value);
            } else if (conversion == 's') {
                value = PyRepr.str(value);
            }
            if (spec.contains("{")) {
                spec = format(spec, args);
            }
            out.append(applySpec(value, spec));
        }
        return out.toString();
    }

    private static int matchingBrace(String fmt, int open) {
        int depth = 0;
        for (int j = open; j < fmt.length(); j++) {
            if (fmt.charAt(j) == '{') {
                depth++;
            } else if (fmt.charAt(j) == '}' && --depth == 0) {
                return j;
            }
        }
        throw RenderException.of("expected '}' before end of string");
    }

    private static Object positional(Arguments args, int index) {
        if (index >= args.positional().size()) {
            throw RenderException.of("tuple index out of range");
        }
        return args.positional().get(index);
    }

    private static Object accessors(Object value, String rest) {
        int i = 0;
        while (i < rest.length()) {
            if (rest.charAt(i) == '.') {
                int j = i + 1;
                while (j < rest.length() && rest.charAt(j) != '.' && rest.charAt(j) != '[') {
                    j++;
                }
                value = Attributes.getattr(value, rest.substring(i + 1, j));
                i = j;
            } else {
                int close = rest.indexOf(']', i);
                String key = rest.substring(i + 1, close);
                value = Attributes.getitem(value, key.chars().allMatch(Character::isDigit) && !key.isEmpty()
                        ? (Object) Long.parseLong(key) : key);
                i = close + 1;
            }
        }
        return value;
    }

    /** The format-spec mini-language: [[fill]align][sign][#][0][width][,][.precision][type]. */
    static String applySpec(Object value, String spec) {
        if (spec.isEmpty()) {
            return PyRepr.str(value);
        }
        int i = 0;
        char fill = ' ';
        char align = 0;
        if (spec.length() >= 2 && "<>=^".indexOf(spec.charAt(1)) >= 0) {
            fill = spec.charAt(0);
            align = spec.charAt(1);
            i = 2;
        } else if ("<>=^".indexOf(spec.charAt(0)) >= 0) {
            align = spec.charAt(0);
            i = 1;
        }
        char sign = '-';
        if (i < spec.length() && "+- ".indexOf(spec.charAt(i)) >= 0) {
            sign = spec.charAt(i++);
        }
        boolean alt = false;
        if (i < spec.length() && spec.charAt(i) == '#') {
            alt = true;
            i++;
        }
        if (i < spec.length() && spec.charAt(i) == '0') {
            if (align == 0) {
                fill = '0';
                align = '=';
            }
            i++;
        }
        int width = 0;
        while (i < spec.length() && Character.isDigit(spec.charAt(i))) {
            width = width * 10 + (spec.charAt(i++) - '0');
        }
        boolean grouping = false;
        if (i < spec.length() && (spec.charAt(i) == ',' || spec.charAt(i) == '_')) {
            grouping = true;
            i++;
        }
        int precision = -1;
        if (i < spec.length() && spec.charAt(i) == '.') {
            i++;
            precision = 0;
            while (i < spec.length() && Character.isDigit(spec.charAt(i))) {
                precision = precision * 10 + (spec.charAt(i++) - '0');
            }
        }
        char type = i < spec.length() ? spec.charAt(i) : 0;
        String body;
        if (value instanceof String || (type == 's') || !(PythonOperators.isNumber(value))) {
            if (!(value instanceof String) && type != 0 && type != 's') {
                throw RenderException.of("Unknown format code '" + type + "' for object of type '"
                        + PyRepr.typeName(value) + "'");
            }
            body = PyRepr.str(value);
            if (precision >= 0 && precision < body.length()) {
                body = body.substring(0, precision);
            }
            return PyNumberFormat.pad(body, width, fill, align == 0 ? '<' : align);
        }
        boolean isFloat = value instanceof Double;
        double d = PythonOperators.toDouble(value);
        body = switch (type) {
            case 'd', 'n' -> {
                if (isFloat) {
                    throw RenderException.of("Unknown format code 'd' for object of type 'float'");
                }
                yield Long.toString(PythonOperators.toLong(value));
            }
            case 'x' -> (alt ? "0x" : "") + Long.toHexString(PythonOperators.toLong(value));
            case 'X' -> (alt ? "0X" : "") + Long.toHexString(PythonOperators.toLong(value)).toUpperCase();
            case 'o' -> (alt ? "0o" : "") + Long.toOctalString(PythonOperators.toLong(value));
            case 'b' -> (alt ? "0b" : "") + Long.toBinaryString(PythonOperators.toLong(value));
            case 'f', 'F' -> PyNumberFormat.fixed(d, precision < 0 ? 6 : precision);
            case 'e', 'E' -> PyNumberFormat.exponent(d, precision < 0 ? 6 : precision, type == 'E');
            case 'g', 'G' -> PyNumberFormat.general(d, precision < 0 ? 6 : precision, type == 'G', alt);
            case '%' -> PyNumberFormat.fixed(d * 100, precision < 0 ? 6 : precision) + "%";
            default -> {
                if (!isFloat) {
                    yield Long.toString(PythonOperators.toLong(value));
                }
                yield precision < 0 ? PyRepr.reprFloat(d) : PyNumberFormat.general(d, precision, false, false);
            }
        };
        if (grouping) {
            body = group(body);
        }
        if (!body.startsWith("-") && sign != '-') {
            body = sign + body;
        }
        return PyNumberFormat.pad(body, width, fill, align == 0 ? '>' : align);
    }

    private static String group(String body) {
        boolean negative = body.startsWith("-");
        String digits = negative ? body.substring(1) : body;
        int end = 0;
        while (end < digits.length() && Character.isDigit(digits.charAt(end))) {
            end++;
        }
        StringBuilder sb = new StringBuilder();
        String intPart = digits.substring(0, end);
        for (int k = 0; k < intPart.length(); k++) {
            if (k > 0 && (intPart.length() - k) % 3 == 0) {
                sb.append(',');
            }
            sb.append(intPart.charAt(k));
        }
        return (negative ? "-" : "") + sb + digits.substring(end);
    }
}
