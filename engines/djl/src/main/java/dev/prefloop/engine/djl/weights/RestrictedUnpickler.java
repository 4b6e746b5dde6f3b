package dev.prefloop.engine.djl.weights;

import dev.prefloop.core.error.ModelException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * RestrictedUnpickler runs the part of the pickle machine that {@code torch.save} writes and
 * resolves only the globals that rebuild tensors; any other global or code-running opcode is
 * refused before anything is built, so unpickling a checkpoint never executes code.
 *
 * <p>Values on the stack are plain Java: String, Long, Double, Boolean, null, {@link Tuple},
 * ArrayList (a Python list), LinkedHashMap (dict and OrderedDict), {@link TorchStorage} (a
 * persistent id) and {@link TorchTensorRef} (a rebuilt tensor).
 */
final class RestrictedUnpickler {

    /** A Python tuple: kept apart from lists because persistent ids and call arguments are tuples. */
    record Tuple(List<Object> items) {
        Tuple {
            items = List.copyOf(items);
        }

        Object get(int i) {
            Object v = items.get(i);
            return v == NONE ? null : v;
        }

        int size() {
            return items.size();
        }
    }

    /** A whitelisted global: the only things REDUCE may call. */
    private enum PickleCallable { ORDERED_DICT, REBUILD_TENSOR_V2, REBUILD_TENSOR, REBUILD_PARAMETER }

    /** A torch storage class named by a persistent id; {@code dtype} is the safetensors name. */
    private record StorageClass(String dtype) {}

    /** Torch's legacy storage classes and the safetensors dtype of their elements. */
    private static final Map<String, String> STORAGE_DTYPES = Map.of(
            "FloatStorage", "F32", "DoubleStorage", "F64", "HalfStorage", "F16", "BFloat16Storage", "BF16",
            "LongStorage", "I64", "IntStorage", "I32", "ShortStorage", "I16", "CharStorage", "I8",
            "ByteStorage", "U8", "BoolStorage", "BOOL");

    private static final Map<String, PickleCallable> CALLABLES = Map.of(
            "collections.OrderedDict", PickleCallable.ORDERED_DICT,
            "torch._utils._rebuild_tensor_v2", PickleCallable.REBUILD_TENSOR_V2,
            "torch._utils._rebuild_tensor", PickleCallable.REBUILD_TENSOR,
            "torch._utils._rebuild_parameter", PickleCallable.REBUILD_PARAMETER);

    /** Opcodes that build arbitrary objects, named in the refusal so a reader knows why. */
    private static final Map<Integer, String> REFUSED_OPCODES = Map.of(
            (int) 'i', "INST", (int) 'o', "OBJ", 0x81, "NEWOBJ", 0x92, "NEWOBJ_EX",
            0x82, "EXT1", 0x83, "EXT2", 0x84, "EXT4", (int) 'P', "PERSID");

    /** Stands for Python's None inside collections that refuse Java nulls. */
    private static final Object NONE = new Object() {
        @Override
        public String toString() {
            return "None";
        }
    };

    private static final Object MARK = new Object();

    private final ByteBuffer in;
    private final String source;
    private final Deque<Object> stack = new ArrayDeque<>();
    private int openMarks;
    private final Map<Long, Object> memo = new HashMap<>();

    /**
     * @param pickle the pickle bytes
     * @param source what to name in errors, e.g. the checkpoint file
     */
    RestrictedUnpickler(byte[] pickle, String source) {
        this.in = ByteBuffer.wrap(pickle).order(ByteOrder.LITTLE_ENDIAN);
        this.source = source;
    }

    /** Runs the pickle to its STOP and returns the value it leaves (None as null). */
    Object load() {
        try {
            while (true) {
                int at = in.position();
                int op = u8();
                if (op == '.') {
                    Object result = pop(at);
                    return result == NONE ? null : result;
                }
                step(op, at);
            }
        } catch (java.nio.BufferUnderflowException e) {
            throw malformed(in.limit(), "the pickle ends before its STOP opcode");
        } catch (ClassCastException | IndexOutOfBoundsException | UnsupportedOperationException e) {
            throw malformed(in.position(), "an opcode found operands of the wrong kind (" + e.getMessage() + ")");
        }
    }

    private void step(int op, int at) {
        switch (op) {
            case 0x80 -> { // PROTO
                int proto = u8();
                if (proto > 5) {
                    throw malformed(at, "pickle protocol " + proto + " is newer than 5");
                }
            }
            case 0x95 -> in.getLong(); // FRAME: a length hint only
            case '(' -> { // MARK
                openMarks++;
                stack.push(MARK);
            }
            case '0' -> pop(at); // POP
            case '1' -> popMark(at); // POP_MARK
            case '2' -> push(peek(at)); // DUP
            case 'N' -> push(NONE);
            case 0x88 -> push(Boolean.TRUE); // NEWTRUE
            case 0x89 -> push(Boolean.FALSE); // NEWFALSE
            case 'J' -> push((long) in.getInt()); // BININT
            case 'K' -> push((long) u8()); // BININT1
            case 'M' -> push((long) (in.getShort() & 0xFFFF)); // BININT2
            case 0x8a -> push(long1(at)); // LONG1
            case 'G' -> push(Double.longBitsToDouble(Long.reverseBytes(in.getLong()))); // BINFLOAT is big-endian
            case 'X' -> push(utf8(Integer.toUnsignedLong(in.getInt()), at)); // BINUNICODE
            case 0x8c -> push(utf8(u8(), at)); // SHORT_BINUNICODE
            case 0x8d -> push(utf8(in.getLong(), at)); // BINUNICODE8
            case '}' -> push(new LinkedHashMap<Object, Object>()); // EMPTY_DICT
            case ']' -> push(new ArrayList<Object>()); // EMPTY_LIST
            case ')' -> push(new Tuple(List.of())); // EMPTY_TUPLE
            case 't' -> push(new Tuple(popMark(at))); // TUPLE
            case 0x85 -> push(tupleOf(at, 1)); // TUPLE1
            case 0x86 -> push(tupleOf(at, 2)); // TUPLE2
            case 0x87 -> push(tupleOf(at, 3)); // TUPLE3
            case 'a' -> { // APPEND
                Object v = pop(at);
                list(peek(at), at).add(v);
            }
            case 'e' -> { // APPENDS
                List<Object> items = popMark(at);
                list(peek(at), at).addAll(items);
            }
            case 's' -> { // SETITEM
                Object v = pop(at);
                Object k = pop(at);
                dict(peek(at), at).put(key(k, at), v);
            }
            case 'u' -> { // SETITEMS
                List<Object> kv = popMark(at);
                if (kv.size() % 2 != 0) {
                    throw malformed(at, "SETITEMS with an odd number of keys and values");
                }
                Map<Object, Object> d = dict(peek(at), at);
                for (int i = 0; i < kv.size(); i += 2) {
                    d.put(key(kv.get(i), at), kv.get(i + 1));
                }
            }
            case 'q' -> memo.put((long) u8(), peek(at)); // BINPUT
            case 'r' -> memo.put(Integer.toUnsignedLong(in.getInt()), peek(at)); // LONG_BINPUT
            case 0x94 -> memo.put((long) memo.size(), peek(at)); // MEMOIZE
            case 'h' -> push(memoGet(u8(), at)); // BINGET
            case 'j' -> push(memoGet(Integer.toUnsignedLong(in.getInt()), at)); // LONG_BINGET
            case 'c' -> { // GLOBAL: "module\nname\n"
                String module = line(at);
                push(resolve(module, line(at)));
            }
            case 0x93 -> { // STACK_GLOBAL
                Object name = pop(at);
                Object module = pop(at);
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw malformed(at, "STACK_GLOBAL needs a module and a name string");
                }
                push(resolve(m, n));
            }
            case 'Q' -> push(persistentLoad(pop(at), at)); // BINPERSID
            case 'R' -> { // REDUCE
                Object args = pop(at);
                Object fn = pop(at);
                push(call(fn, args, at));
            }
            case 'b' -> build(at); // BUILD
            default -> throw refused(op, at);
        }
    }

    /** Only whitelisted globals are ever produced; the refusal names the global as the pickle spells it. */
    private Object resolve(String module, String name) {
        String qualified = module + "." + name;
        PickleCallable c = CALLABLES.get(qualified);
        if (c != null) {
            return c;
        }
        if (module.equals("torch") && STORAGE_DTYPES.containsKey(name)) {
            return new StorageClass(STORAGE_DTYPES.get(name));
        }
        throw new ModelException("refusing pickle global " + qualified + " in " + source
                + ": only tensors can be loaded (this reader never runs code from a checkpoint)");
    }

    /** Torch writes storages as ('storage', StorageClass, key, location, numel). */
    private TorchStorage persistentLoad(Object pid, int at) {
        if (!(pid instanceof Tuple t) || t.size() != 5 || !"storage".equals(t.get(0))
                || !(t.get(1) instanceof StorageClass sc) || !(t.get(2) instanceof String key)
                || !(t.get(4) instanceof Long numel)) {
            throw malformed(at, "persistent id " + describe(pid) + " is not ('storage', torch.XStorage, key, location,"
                    + " numel)");
        }
        return new TorchStorage(key, sc.dtype(), numel);
    }

    private Object call(Object fn, Object args, int at) {
        if (!(fn instanceof PickleCallable c)) {
            throw malformed(at, "REDUCE calls " + describe(fn) + ", which is not a callable global");
        }
        if (!(args instanceof Tuple a)) {
            throw malformed(at, "REDUCE arguments are not a tuple");
        }
        return switch (c) {
            case ORDERED_DICT -> {
                if (a.size() != 0) {
                    throw malformed(at, "OrderedDict called with arguments");
                }
                yield new LinkedHashMap<Object, Object>();
            }
            // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
            case REBUILD_TENSOR_V2 -> tensor(a, 6, 7, at);
            case REBUILD_TENSOR -> tensor(a, 4, 4, at);
            // (data, requires_grad, backward_hooks): a Parameter is its tensor here
            case REBUILD_PARAMETER -> {
                if (a.size() != 3 || !(a.get(0) instanceof TorchTensorRef t)) {
                    throw malformed(at, "_rebuild_parameter needs (tensor, requires_grad, backward_hooks)");
                }
                yield t;
            }
        };
    }

    private TorchTensorRef tensor(Tuple a, int minArgs, int maxArgs, int at) {
        if (a.size() < minArgs || a.size() > maxArgs || !(a.get(0) instanceof TorchStorage storage)
                || !(a.get(1) instanceof Long offset) || !(a.get(2) instanceof Tuple size)
                || !(a.get(3) instanceof Tuple stride) || size.size() != stride.size()) {
            throw malformed(at, "tensor rebuilt from " + a.size() + " arguments that are not"
                    + " (storage, offset, size tuple, stride tuple, ...)");
        }
        return new TorchTensorRef(storage, offset, longs(size, at), longs(stride, at));
    }

    /** BUILD sets an object's state; only a dict's attributes (a state_dict's _metadata) may be set, and they are dropped. */
    private void build(int at) {
        Object state = pop(at);
        Object target = peek(at);
        if (!(target instanceof Map) || !(state == NONE || state instanceof Map || state instanceof Tuple)) {
            throw malformed(at, "BUILD on " + describe(target) + ": only a dict's metadata can be set");
        }
    }

    private ModelException refused(int op, int at) {
        String name = REFUSED_OPCODES.get(op);
        if (name == null) {
            return malformed(at, String.format("unsupported pickle opcode 0x%02x", op)
                    + " (only the opcodes torch.save writes are read)");
        }
        String what = name;
        if (op == 'i') { // INST names its class the way GLOBAL does
            try {
                what = "INST (instantiating " + line(at) + "." + line(at) + ")";
            } catch (RuntimeException e) {
                // the refusal stands even if the operand is cut short
            }
        }
        return new ModelException("refusing pickle opcode " + what + " at byte " + at + " in " + source
                + ": it builds arbitrary objects; only tensors can be loaded");
    }

    private static long[] longs(Tuple t, int at) {
        long[] out = new long[t.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(t.get(i) instanceof Long v)) {
                throw new ClassCastException("tensor size or stride " + t.get(i) + " at byte " + at);
            }
            out[i] = v;
        }
        return out;
    }

    private long long1(int at) {
        int n = u8();
        if (n > 8) {
            throw malformed(at, "integer of " + n + " bytes does not fit 64 bits");
        }
        long v = 0;
        for (int i = 0; i < n; i++) {
            v |= (long) u8() << (8 * i);
        }
        if (n > 0 && n < 8 && (v & (1L << (8 * n - 1))) != 0) {
            v |= -1L << (8 * n); // two's complement sign extension
        }
        return v;
    }

    private String utf8(long length, int at) {
        if (length < 0 || length > in.remaining()) {
            throw malformed(at, "a string of " + length + " bytes runs past the end of the pickle");
        }
        byte[] b = new byte[(int) length];
        in.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private String line(int at) {
        int start = in.position();
        while (in.get() != '\n') {
            if (in.position() - start > 1024) {
                throw malformed(at, "a global name longer than 1024 bytes");
            }
        }
        byte[] b = new byte[in.position() - start - 1];
        in.get(start, b);
        return new String(b, StandardCharsets.UTF_8);
    }

    private Tuple tupleOf(int at, int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) {
            items[i] = pop(at);
        }
        return new Tuple(List.of(items));
    }

    private List<Object> popMark(int at) {
        if (openMarks == 0) {
            throw malformed(at, "no MARK to pop to");
        }
        List<Object> items = new ArrayList<>();
        for (Object v = stack.poll(); v != MARK; v = stack.poll()) {
            items.add(v); // openMarks > 0 guarantees a MARK below, so v is never null
        }
        openMarks--;
        Collections.reverse(items);
        return items;
    }

    private Object memoGet(long key, int at) {
        Object v = memo.get(key);
        if (v == null) {
            throw malformed(at, "memo key " + key + " was never stored");
        }
        return v;
    }

    private void push(Object v) {
        stack.push(v == null ? NONE : v);
    }

    private Object pop(int at) {
        Object v = stack.poll();
        if (v == null || v == MARK) {
            throw malformed(at, "the stack is empty");
        }
        return v;
    }

    /**
     * Only immutable values may be dict keys, as in Python; a list or dict key could hold itself
     * and send hashing into endless recursion.
     */
    private Object key(Object k, int at) {
        if (k instanceof Tuple t) {
            for (Object item : t.items()) {
                key(item, at);
            }
        } else if (!(k instanceof String || k instanceof Long || k instanceof Double || k instanceof Boolean
                || k == NONE)) {
            throw malformed(at, "a dict key of type " + describe(k) + ", which Python could not hash");
        }
        return k;
    }

    private Object peek(int at) {
        Object v = stack.peek();
        if (v == null || v == MARK) {
            throw malformed(at, "the stack is empty");
        }
        return v;
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object v, int at) {
        if (!(v instanceof ArrayList)) {
            throw malformed(at, "appending to " + describe(v) + ", not a list");
        }
        return (List<Object>) v;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> dict(Object v, int at) {
        if (!(v instanceof LinkedHashMap)) {
            throw malformed(at, "setting an item of " + describe(v) + ", not a dict");
        }
        return (Map<Object, Object>) v;
    }

    private int u8() {
        return in.get() & 0xFF;
    }

    /** A value's kind, never its contents: a self-referential list would print forever. */
    private static String describe(Object v) {
        return v == null || v == NONE ? "None" : v.getClass().getSimpleName();
    }

    private ModelException malformed(int at, String what) {
        return new ModelException(source + ": malformed pickle at byte " + at + ": " + what);
    }
}
