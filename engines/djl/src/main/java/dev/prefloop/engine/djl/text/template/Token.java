package dev.prefloop.engine.djl.text.template;

/** One lexeme of a template: text outside tags, a tag delimiter, or a piece of an expression. */
record Token(Kind kind, String text, int line) {

    /** What a token is; OPERATOR covers punctuation too ({@code ( ) [ ] . , | = :}). */
    enum Kind { DATA, BLOCK_BEGIN, BLOCK_END, VARIABLE_BEGIN, VARIABLE_END, NAME, STRING, INTEGER, FLOAT, OPERATOR, EOF }

    boolean is(Kind k, String value) {
        return kind == k && text.equals(value);
    }

    boolean isName(String value) {
        return is(Kind.NAME, value);
    }

    boolean isOperator(String value) {
        return is(Kind.OPERATOR, value);
    }

    String describe() {
        return switch (kind) {
            case EOF -> "end of template";
            case BLOCK_END -> "end of statement block";
            case VARIABLE_END -> "end of print statement";
            case DATA -> "template data";
            default -> "'" + text + "'";
        };
    }
}
