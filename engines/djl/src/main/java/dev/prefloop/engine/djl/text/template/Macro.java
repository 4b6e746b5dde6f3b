package dev.prefloop.engine.djl.text.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A {@code macro} (or a {@code call} block's body): parameters bound per call, output returned as text. */
final class Macro implements PyCallable {

    private final String name;
    private final List<String> params;
    private final List<Expr> defaults;
    private final List<Stmt> body;
    private final Scope closure;
    private final Renderer renderer;
    private final boolean catchesVarargs;
    private final boolean catchesKwargs;

    Macro(String name, List<String> params, List<Expr> defaults, List<Stmt> body, Scope closure, Renderer renderer) {
        this.name = name;
        this.params = params;
        this.defaults = defaults;
        this.body = body;
        this.closure = closure;
        this.renderer = renderer;
        this.catchesVarargs = ExprWalker.mentions(body, "varargs");
        this.catchesKwargs = ExprWalker.mentions(body, "kwargs");
    }

    @Override
    public Object call(Arguments args) {
        Scope scope = closure.child();
        Map<String, Object> kwargs = new LinkedHashMap<>(args.keywords());
        int firstDefault = params.size() - defaults.size();
        for (int i = 0; i < params.size(); i++) {
            String p = params.get(i);
            if (i < args.positional().size()) {
                if (kwargs.containsKey(p)) {
                    throw RenderException.of("macro '" + name + "' got multiple values for argument '" + p + "'");
                }
                scope.set(p, args.positional().get(i));
            } else if (kwargs.containsKey(p)) {
                scope.set(p, kwargs.remove(p));
            } else if (i >= firstDefault) {
                scope.set(p, renderer.eval(defaults.get(i - firstDefault), scope));
            } else {
                scope.set(p, Undefined.withHint("parameter '" + p + "' was not provided"));
            }
        }
        if (kwargs.containsKey("caller")) {
            scope.set("caller", kwargs.remove("caller"));
        }
        List<Object> varargs = args.positional().size() > params.size()
                ? new ArrayList<>(args.positional().subList(params.size(), args.positional().size())) : new ArrayList<>();
        if (!varargs.isEmpty() && !catchesVarargs) {
            throw RenderException.of("macro '" + name + "' takes not more than " + params.size() + " argument(s)");
        }
        if (!kwargs.isEmpty() && !catchesKwargs) {
            throw RenderException.of("macro '" + name + "' takes no keyword argument '" + kwargs.keySet().iterator().next() + "'");
        }
        scope.set("varargs", PyTuple.copyOf(varargs));
        scope.set("kwargs", new LinkedHashMap<Object, Object>(kwargs));
        StringBuilder out = new StringBuilder();
        renderer.execute(body, scope, out);
        return out.toString();
    }

    @Override
    public String toString() {
        return "<Macro '" + name + "'>";
    }
}
