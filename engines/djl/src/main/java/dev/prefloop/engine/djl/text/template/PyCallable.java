package dev.prefloop.engine.djl.text.template;

/** Anything a template may call: globals, bound methods, macros, {@code loop.cycle}. */
@FunctionalInterface
interface PyCallable {

    Object call(Arguments args);
}
