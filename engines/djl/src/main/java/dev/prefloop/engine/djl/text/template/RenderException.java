package dev.prefloop.engine.djl.text.template;

/**
 * A failure while rendering a template: jinja2's UndefinedError, TypeError, SecurityError and the
 * like, or the template's own {@code raise_exception(msg)}; the line is filled in on the way out.
 */
final class RenderException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final boolean raisedByTemplate;
    private int line;

    private RenderException(String message, boolean raisedByTemplate) {
        super(message);
        this.raisedByTemplate = raisedByTemplate;
    }

    /** An error in the template's evaluation (jinja2 would raise a Python exception). */
    static RenderException of(String message) {
        return new RenderException(message, false);
    }

    /** The template called {@code raise_exception(message)}. */
    static RenderException raised(String message) {
        return new RenderException(message, true);
    }

    /** Whether the template itself raised this through {@code raise_exception}. */
    boolean raisedByTemplate() {
        return raisedByTemplate;
    }

    /** The template line being rendered when this happened, 0 when unknown. */
    int line() {
        return line;
    }

    RenderException atLine(int templateLine) {
        if (line == 0) {
            line = templateLine;
        }
        return this;
    }
}
