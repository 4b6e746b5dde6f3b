package dev.prefloop.engine.djl.text.template;

import java.util.List;
import java.util.function.Function;

/** The {@code loop} variable of a for-loop: index, first/last, previtem/nextitem, cycle, changed. */
final class LoopContext implements PyCallable {

    private final List<Object> items;
    private final int depth0;
    private final Function<Object, String> recurse;
    private int index0;
    private List<Object> lastChanged;

    /** {@code recurse} renders the loop body over new items for {@code loop(...)}; null if not recursive. */
    LoopContext(List<Object> items, int depth0, Function<Object, String> recurse) {
        this.items = items;
        this.depth0 = depth0;
        this.recurse = recurse;
    }

    void moveTo(int index) {
        this.index0 = index;
    }

    Object attribute(String name) {
        int length = items.size();
        return switch (name) {
            case "index" -> (long) index0 + 1;
            case "index0" -> (long) index0;
            case "revindex" -> (long) (length - index0);
            case "revindex0" -> (long) (length - index0 - 1);
            case "first" -> index0 == 0;
            case "last" -> index0 == length - 1;
            case "length" -> (long) length;
            case "depth" -> (long) depth0 + 1;
            case "depth0" -> (long) depth0;
            case "previtem" -> index0 > 0 ? items.get(index0 - 1) : Undefined.withHint("there is no previous item");
            case "nextitem" -> index0 + 1 < length ? items.get(index0 + 1) : Undefined.withHint("there is no next item");
            case "cycle" -> (PyCallable) this::cycle;
            case "changed" -> (PyCallable) this::changed;
            default -> PythonOperators.MISSING;
        };
    }

    private Object cycle(Arguments args) {
        if (args.positional().isEmpty()) {
            throw RenderException.of("no items for cycling given");
        }
        return args.positional().get(index0 % args.positional().size());
    }

    private Object changed(Arguments args) {
        if (lastChanged == null || !PythonOperators.equal(lastChanged, args.positional())) {
            lastChanged = args.positional();
            return true;
        }
        return false;
    }

    @Override
    public Object call(Arguments args) {
        if (recurse == null) {
            throw RenderException.of("The loop must be marked as 'recursive' to call it recursively.");
        }
        return recurse.apply(args.get(0, "iterable", null));
    }

    @Override
    public String toString() {
        return "<LoopContext " + (index0 + 1) + "/" + items.size() + ">";
    }
}
