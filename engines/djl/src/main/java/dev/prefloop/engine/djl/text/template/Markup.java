package dev.prefloop.engine.djl.text.template;

/**
 * markupsafe's {@code Markup}: text marked safe by {@code |safe} or {@code |escape}. It matters to
 * chat templates in one place: {@code markup + str} HTML-escapes the plain operand.
 */
record Markup(String text) {

    /** Python's {@code markup + other} and {@code other + markup}: the plain side is escaped. */
    static Markup concat(Object left, Object right) {
        return new Markup(escaped(left) + escaped(right));
    }

    /** {@code Markup.escape(value)}: markup passes through, anything else is stringified and escaped. */
    static String escaped(Object value) {
        return value instanceof Markup m ? m.text() : TextFilters.escape(PyRepr.str(value));
    }
}
