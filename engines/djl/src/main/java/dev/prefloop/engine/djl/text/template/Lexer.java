package dev.prefloop.engine.djl.text.template;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Splits a template into tokens the way jinja2's lexer does with {@code trim_blocks=True} and
 * {@code lstrip_blocks=True}: newlines normalised to \n, one trailing newline dropped, {@code -}
 * and {@code +} whitespace control, comments dropped and raw blocks passed through as text.
 */
final class Lexer {

    private static final Pattern RAW_BEGIN = Pattern.compile("\\{%([-+]?)\\s*raw\\s*(-%\\}\\s*|%\\})");
    private static final Pattern RAW_END = Pattern.compile("\\{%([-+]?)\\s*endraw\\s*(\\+%\\}|-%\\}\\s*|%\\}\\n?)");
    private static final Pattern FLOAT = Pattern.compile(
            "(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?e[+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)");
    private static final Pattern INTEGER = Pattern.compile("(0[bB](_?[01])+|0[oO](_?[0-7])+|0[xX](_?[\\da-fA-F])+|[1-9](_?\\d)*|0(_?0)*)");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    private static final Pattern STRING = Pattern.compile("'([^'\\\\]*(?:\\\\.[^'\\\\]*)*)'|\"([^\"\\\\]*(?:\\\\.[^\"\\\\]*)*)\"", Pattern.DOTALL);
    private static final String[] OPERATORS = {"//", "**", "==", "!=", "<=", ">=", "+", "-", "/", "*", "%", "~",
        "[", "]", "(", ")", "{", "}", "<", ">", "=", ".", ":", "|", ",", ";"};

    private final String src;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    private boolean lineStarting = true;

    private Lexer(String source) {
        String s = source.replace("\r\n", "\n").replace('\r', '\n');
        // keep_trailing_newline=False
        if (s.endsWith("\n")) {
            s = s.substring(0, s.length() - 1);
        }
        this.src = s;
    }

    static List<Token> tokenize(String source) {
        Lexer lexer = new Lexer(source);
        lexer.run();
        return lexer.tokens;
    }

    private void run() {
        while (pos < src.length()) {
            int tag = nextTagStart(pos);
            if (tag < 0) {
                emitData(src.substring(pos));
                break;
            }
            char kind = src.charAt(tag + 1);
            char sign = tag + 2 < src.length() ? src.charAt(tag + 2) : 0;
            Matcher raw = kind == '%' ? RAW_BEGIN.matcher(src).region(tag, src.length()) : null;
            boolean isRaw = raw != null && raw.lookingAt();
            if (isRaw) {
                sign = raw.group(1).isEmpty() ? 0 : raw.group(1).charAt(0);
            }
            String text = stripBefore(src.substring(pos, tag), sign, kind != '{');
            emitData(text);
            advanceTo(tag);
            if (isRaw) {
                lexRaw(raw);
            } else if (kind == '#') {
                lexComment();
            } else {
                lexTag(kind == '%');
            }
        }
        tokens.add(new Token(Token.Kind.EOF, "", line));
    }

    private int nextTagStart(int from) {
        int i = from;
        while (true) {
            i = src.indexOf('{', i);
            if (i < 0 || i + 1 >= src.length()) {
                return -1;
            }
            char c = src.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
            i++;
        }
    }

    /** Whitespace control before a tag: {@code -} strips all, lstrip_blocks strips the tag's indent. */
    private String stripBefore(String text, char sign, boolean lstripApplies) {
        if (sign == '-') {
            return PyStrings.rstrip(text, null);
        }
        if (sign != '+' && lstripApplies) {
            int lPos = text.lastIndexOf('\n') + 1;
            if ((lPos > 0 || lineStarting) && lPos < text.length() && PyStrings.isWhitespace(text.substring(lPos))) {
                return text.substring(0, lPos);
            }
        }
        return text;
    }

    private void emitData(String text) {
        if (!text.isEmpty()) {
            tokens.add(new Token(Token.Kind.DATA, text, line));
        }
    }

    private void advanceTo(int newPos) {
        for (int i = pos; i < newPos; i++) {
            if (src.charAt(i) == '\n') {
                line++;
            }
        }
        if (newPos > pos) {
            lineStarting = src.charAt(newPos - 1) == '\n';
        }
        pos = newPos;
    }

    private void lexRaw(Matcher begin) {
        int startLine = line;
        advanceTo(begin.end());
        Matcher end = RAW_END.matcher(src).region(pos, src.length());
        if (!end.find()) {
            throw new TemplateSyntaxException("Missing end of raw directive", startLine);
        }
        char sign = end.group(1).isEmpty() ? 0 : end.group(1).charAt(0);
        String body = src.substring(pos, end.start());
        emitData(stripBefore(body, sign, true));
        advanceTo(end.end());
    }

    private void lexComment() {
        int startLine = line;
        int close = src.indexOf("#}", pos + 2);
        if (close < 0) {
            throw new TemplateSyntaxException("Missing end of comment tag", startLine);
        }
        char sign = close - 1 >= pos + 2 ? src.charAt(close - 1) : 0;
        advanceTo(afterTagEnd(close + 2, sign));
    }

    /** Whitespace control after a tag end: {@code -} eats all whitespace, trim_blocks one newline. */
    private int afterTagEnd(int end, char sign) {
        int p = end;
        if (sign == '-') {
            while (p < src.length() && PyStrings.isWhitespace(src.charAt(p))) {
                p++;
            }
        } else if (sign != '+' && p < src.length() && src.charAt(p) == '\n') {
            p++;
        }
        return p;
    }

    private void lexTag(boolean block) {
        int startLine = line;
        tokens.add(new Token(block ? Token.Kind.BLOCK_BEGIN : Token.Kind.VARIABLE_BEGIN, block ? "{%" : "{{", line));
        int p = pos + 2;
        if (p < src.length() && (src.charAt(p) == '-' || src.charAt(p) == '+')) {
            p++;
        }
        advanceTo(p);
        Deque<Character> brackets = new ArrayDeque<>();
        String close = block ? "%}" : "}}";
        while (true) {
            if (pos >= src.length()) {
                throw new TemplateSyntaxException("unexpected end of template, expected '" + close + "'", startLine);
            }
            if (brackets.isEmpty()) {
                if (src.startsWith("-" + close, pos)) {
                    tokens.add(endToken(block));
                    advanceTo(afterTagEnd(pos + 3, '-'));
                    return;
                }
                if (block && src.startsWith("+" + close, pos)) {
                    tokens.add(endToken(block));
                    advanceTo(pos + 3);
                    return;
                }
                if (src.startsWith(close, pos)) {
                    tokens.add(endToken(block));
                    advanceTo(block ? afterTagEnd(pos + 2, (char) 0) : pos + 2);
                    return;
                }
            }
            lexExpressionToken(brackets);
        }
    }

    private Token endToken(boolean block) {
        return new Token(block ? Token.Kind.BLOCK_END : Token.Kind.VARIABLE_END, block ? "%}" : "}}", line);
    }

    private void lexExpressionToken(Deque<Character> brackets) {
        char c = src.charAt(pos);
        if (PyStrings.isWhitespace(c)) {
            int p = pos;
            while (p < src.length() && PyStrings.isWhitespace(src.charAt(p))) {
                p++;
            }
            advanceTo(p);
            return;
        }
        Matcher m;
        if ((m = FLOAT.matcher(src).region(pos, src.length())).lookingAt() && !(pos > 0 && src.charAt(pos - 1) == '.')) {
            add(Token.Kind.FLOAT, m.group().replace("_", ""), m.end());
            return;
        }
        if ((m = INTEGER.matcher(src).region(pos, src.length())).lookingAt()) {
            add(Token.Kind.INTEGER, m.group().replace("_", ""), m.end());
            return;
        }
        if ((m = NAME.matcher(src).region(pos, src.length())).lookingAt()) {
            add(Token.Kind.NAME, m.group(), m.end());
            return;
        }
        if (c == '\'' || c == '"') {
            m = STRING.matcher(src).region(pos, src.length());
            if (!m.lookingAt()) {
                throw new TemplateSyntaxException("unexpected char " + PyRepr.repr(String.valueOf(c)) + " at " + pos, line);
            }
            String body = m.group(1) != null ? m.group(1) : m.group(2);
            add(Token.Kind.STRING, StringLiteral.unescape(body, line), m.end());
            return;
        }
        for (String op : OPERATORS) {
            if (src.startsWith(op, pos)) {
                trackBrackets(op, brackets);
                add(Token.Kind.OPERATOR, op, pos + op.length());
                return;
            }
        }
        throw new TemplateSyntaxException("unexpected char " + PyRepr.repr(String.valueOf(c)) + " at " + pos, line);
    }

    private void trackBrackets(String op, Deque<Character> brackets) {
        switch (op) {
            case "(", "[", "{" -> brackets.push(op.charAt(0));
            case ")", "]", "}" -> {
                char open = op.equals(")") ? '(' : op.equals("]") ? '[' : '{';
                if (brackets.isEmpty()) {
                    throw new TemplateSyntaxException("unexpected '" + op + "'", line);
                }
                char top = brackets.pop();
                if (top != open) {
                    char expected = top == '(' ? ')' : top == '[' ? ']' : '}';
                    throw new TemplateSyntaxException("unexpected '" + op + "', expected '" + expected + "'", line);
                }
            }
            default -> { }
        }
    }

    private void add(Token.Kind kind, String text, int end) {
        tokens.add(new Token(kind, text, line));
        advanceTo(end);
    }
}
