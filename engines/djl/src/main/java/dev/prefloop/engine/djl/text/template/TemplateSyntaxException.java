package dev.prefloop.engine.djl.text.template;

/** A template that jinja2 would refuse to compile, with the line where parsing stopped. */
final class TemplateSyntaxException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int line;

    TemplateSyntaxException(String message, int line) {
        super(message);
        this.line = line;
    }

    /** The 1-based template line of the error. */
    int line() {
        return line;
    }
}
