package dev.prefloop.engine.djl.text.template;

/** A method looked up on a value ({@code text.strip}, {@code message.get}), called later. */
record BoundMethod(Object receiver, String name) implements PyCallable {

    @Override
    public Object call(Arguments args) {
        if (receiver instanceof String s) {
            return StrMethods.call(s, name, args);
        }
        return ContainerMethods.call(receiver, name, args);
    }

    @Override
    public String toString() {
        return "<built-in method " + name + " of " + PyRepr.typeName(receiver) + " object>";
    }
}
