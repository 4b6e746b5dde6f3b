package dev.prefloop.engine.djl.text.template;

/**
 * jinja2's default {@code Undefined}: prints as empty, is false, iterates as empty and has length
 * 0, but any attribute, item, call or arithmetic on it fails with the message it carries.
 */
final class Undefined {

    private final String message;

    private Undefined(String message) {
        this.message = message;
    }

    /** A variable name that is not in the context. */
    static Undefined variable(String name) {
        return new Undefined("'" + name + "' is undefined");
    }

    /** A missing attribute or string key of an object, as jinja2 words it. */
    static Undefined attribute(Object owner, String name) {
        return new Undefined(PyRepr.objectTypeRepr(owner) + " has no attribute " + PyRepr.repr(name));
    }

    /** A missing non-string key or index of an object. */
    static Undefined element(Object owner, Object key) {
        // jinja2 quotes the owner for attributes but not for elements
        String owner0 = PyRepr.objectTypeRepr(owner);
        return new Undefined(owner0.substring(1, owner0.length() - 1) + " has no element " + PyRepr.repr(key));
    }

    /** An undefined value with a free-form explanation (e.g. the sandbox refusing an attribute). */
    static Undefined withHint(String hint) {
        return new Undefined(hint);
    }

    /** The error jinja2 raises when this value is used beyond printing or testing. */
    RenderException error() {
        return RenderException.of(message);
    }
}
