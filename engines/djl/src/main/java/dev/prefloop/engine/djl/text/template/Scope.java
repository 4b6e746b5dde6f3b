package dev.prefloop.engine.djl.text.template;

import java.util.HashMap;
import java.util.Map;

/** Variables visible at one point of rendering: a loop iteration or macro call sees its parent's too. */
final class Scope {

    private final Scope parent;
    private final Map<String, Object> vars = new HashMap<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Scope child() {
        return new Scope(this);
    }

    /** The variable's value, or {@link PythonOperators#MISSING}. */
    Object lookup(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.vars.containsKey(name)) {
                return s.vars.get(name);
            }
        }
        return PythonOperators.MISSING;
    }

    void set(String name, Object value) {
        vars.put(name, value);
    }
}
