package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;

/**
 * KvCache holds the keys and values every layer has computed for a batch being decoded, laid out
 * like llm.c's ActivationTensors: each field below with its shape, allocated once for (B, maxT)
 * and written in place, so a decoding step allocates nothing that outlives it.
 *
 * <p>Columns are cache columns (a left-padded row's pads included, masked by {@code keyBias});
 * {@code length} of the {@code capacity} columns are filled. Rows can be dropped
 * ({@link #keepRows}) when their sequences finish, so they stop costing compute.
 *
 * <p>The arrays live on the cache's own manager, outside any caller's NDScope; close the cache
 * to free them.
 */
public final class KvCache implements AutoCloseable {

    private final NDManager manager;
    private final int capacity; // maxT
    private NDArray[] keys; // layers x (B, Hkv, maxT, D), rotated keys in the compute dtype
    private NDArray[] values; // layers x (B, Hkv, maxT, D)
    private NDArray keyBias; // (B, maxT) float32: 0 on filled real columns, float32's lowest on pads and unfilled
    // Views over the first viewWidth columns, a multiple of VIEW_COLUMNS covering the filled ones: a decoding step
    // reads these instead of slicing per layer, and they are made again only every VIEW_COLUMNS steps.
    private int viewWidth; // 0: no views yet
    private NDArray[] keysT; // layers x (B, Hkv, D, viewWidth): keys[l][:, :, :viewWidth] transposed
    private NDArray[] valueViews; // layers x (B, Hkv, viewWidth, D)
    private NDArray keyBiasView; // (B, 1, 1, viewWidth): the additive mask, later writes to keyBias show
    private NDArray positions; // (B, 1) int64: the position id of each row's next token
    private int length; // filled columns
    private NDArray one; // 0-d int64, to advance positions in place
    private NDArray zero; // 0-d float32: writing a Java 0f builds and frees a scalar each time (78 us vs 22 us here)
    private boolean padded; // whether some prefill column was padding (else decoding needs no mask)
    private NDArray cosTable; // (maxT, D) RoPE cos of positions 0..maxT-1, or null (dynamic rope)
    private NDArray sinTable; // (maxT, D) the signed sine cat(-sin, sin) likewise

    KvCache(NDManager parent, DecoderConfig c, DataType dtype, int batch, int capacity) {
        this.manager = parent.newSubManager();
        this.capacity = capacity;
        int layers = c.num_hidden_layers();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
        Shape kv = new Shape(batch, c.num_key_value_heads(), capacity, c.head_dim());
        for (int l = 0; l < layers; l++) {
            keys[l] = manager.zeros(kv, dtype);
            values[l] = manager.zeros(kv, dtype);
        }
        this.keyBias = manager.full(new Shape(batch, capacity), -Float.MAX_VALUE);
        this.positions = manager.zeros(new Shape(batch, 1), DataType.INT64);
        this.one = manager.ones(new Shape(), DataType.INT64);
        this.zero = manager.zeros(new Shape(), DataType.FLOAT32);
        keep(keys);
        keep(values);
        keep(keyBias, positions, one, zero);
    }

    /** A view of rows [from, to) of {@code whole}: every array a view of whole's, the RoPE tables shared. */
    private KvCache(KvCache whole, long from, long to) {
        this.manager = whole.manager.newSubManager();
        this.capacity = whole.capacity;
        NDIndex rows = new NDIndex().addSliceDim(from, to);
        this.keys = new NDArray[whole.keys.length];
        this.values = new NDArray[whole.values.length];
        for (int l = 0; l < keys.length; l++) {
            keys[l] = view(whole.keys[l], rows);
            values[l] = view(whole.values[l], rows);
        }
        this.keyBias = view(whole.keyBias, rows);
        this.positions = view(whole.positions, rows);
        this.one = whole.one;
        this.zero = whole.zero;
        this.cosTable = whole.cosTable;
        this.sinTable = whole.sinTable;
    }

    private NDArray view(NDArray of, NDIndex rows) {
        NDArray v = of.get(rows);
        v.attach(manager);
        keep(v);
        return v;
    }

    /**
     * Rows [from, to) of this empty cache as a cache of their own whose arrays are views of this one's, so a
     * prefill of those rows writes into this cache; row blocks can then be prefilled at the same time (on
     * different threads, each its own view). Once every row is prefilled, {@link #prefilledRows} records it here.
     * Closing the view frees the views only.
     */
    KvCache rowView(long from, long to) {
        if (length != 0 || viewWidth != 0) {
            throw new IllegalStateException("row views are for prefilling an empty cache");
        }
        if (from < 0 || to > batchSize() || from >= to) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + batchSize());
        }
        return new KvCache(this, from, to);
    }

    /** After row views of this cache were prefilled with {@code t} columns: records them as this cache's. */
    void prefilledRows(KvCache... views) {
        int t = views[0].length;
        for (KvCache v : views) {
            if (v.length != t) {
                throw new IllegalStateException("row views filled " + v.length + " and " + t + " columns");
            }
            padded |= v.padded;
        }
        length = t;
    }

    /** Read widths are multiples of this many columns (or the capacity). */
    static final int VIEW_COLUMNS = 16;

    /**
     * Makes the views cover at least {@code to} columns: the next multiple of {@link #VIEW_COLUMNS}, so a step
     * reads at most 15 unfilled (masked) columns, not the whole capacity (a 1,024-token budget of which a sequence
     * uses 100 would otherwise cost ten times the attention).
     */
    private void coverColumns(int to) {
        if (to <= viewWidth) {
            return;
        }
        closeViews();
        int width = Math.min(capacity, -Math.floorDiv(-to, VIEW_COLUMNS) * VIEW_COLUMNS);
        NDIndex prefix = new NDIndex().addAllDim().addAllDim().addSliceDim(0, width);
        keysT = new NDArray[keys.length];
        valueViews = new NDArray[values.length];
        for (int l = 0; l < keys.length; l++) {
            keysT[l] = keys[l].get(prefix).transpose(0, 1, 3, 2); // (B, Hkv, W, D) -> (B, Hkv, D, W), views
            valueViews[l] = values[l].get(prefix); // (B, Hkv, W, D), a view
        }
        keyBiasView = keyBias.get(columns(0, width)).reshape(batchSize(), 1, 1, width); // (B, 1, 1, W), a view
        keep(keysT);
        keep(valueViews);
        keep(keyBiasView);
        viewWidth = width;
    }

    private void closeViews() {
        if (viewWidth == 0) {
            return;
        }
        for (int l = 0; l < keysT.length; l++) {
            keysT[l].close();
            valueViews[l].close();
        }
        keyBiasView.close();
        viewWidth = 0;
    }

    /** Rows B currently in the cache. */
    public long batchSize() {
        return keyBias.getShape().get(0);
    }

    /** Columns written so far. */
    public int length() {
        return length;
    }

    /** Columns the cache was allocated for (maxT). */
    public int capacity() {
        return capacity;
    }

    /** Position ids (B, 1) int64 of the rows' next tokens (their count of real tokens so far). */
    NDArray positions() {
        return positions;
    }

    /** Records a prefill's padding mask (B, T) and positions; the cache must be empty. */
    void startWith(NDArray attentionMask) {
        int t = Math.toIntExact(attentionMask.getShape().get(1));
        requireRoom(t);
        NDManager m = attentionMask.getManager();
        NDArray real = attentionMask.toType(DataType.FLOAT32, false); // (B, T)
        padded = real.min().getFloat() == 0;
        NDArray lowest = m.full(new Shape(), -Float.MAX_VALUE);
        keyBias.set(columns(0, t), m.ones(new Shape(), DataType.FLOAT32).sub(real).mul(lowest));
        positions.set(new NDIndex("..."), attentionMask.toType(DataType.INT64, false).sum(new int[] {1}, true));
    }

    /** Whether a decoding query must be masked: only pads need it (the window is a slice). */
    boolean needsMask() {
        return padded;
    }

    /** Keeps RoPE tables (maxT, D) for positions 0..maxT-1 (a row's position never reaches maxT). */
    void setRotaryTables(NDArray cos, NDArray sinSigned) {
        cos.attach(manager);
        sinSigned.attach(manager);
        keep(cos, sinSigned);
        cosTable = cos;
        sinTable = sinSigned;
    }

    /** cos and signed sine (B, 1, 1, D) of the rows' next positions from the tables, or null without tables. */
    RotaryEmbedding.Angles nextAngles() {
        if (cosTable == null) {
            return null;
        }
        long b = batchSize();
        NDArray cos = positions.getNDArrayInternal().embedding(positions, cosTable, SparseFormat.DENSE)
                .singletonOrThrow().reshape(b, 1, 1, -1); // (B, 1) -> (B, 1, D) -> (B, 1, 1, D)
        NDArray sin = positions.getNDArrayInternal().embedding(positions, sinTable, SparseFormat.DENSE)
                .singletonOrThrow().reshape(b, 1, 1, -1);
        return new RotaryEmbedding.Angles(cos, sin);
    }

    /** Marks {@code t} more columns as real tokens (decoding feeds no padding). */
    void extendReal(int t) {
        requireRoom(length + t);
        keyBias.set(columns(length, length + t), zero);
    }

    /** Writes layer {@code layer}'s new keys and values (B, Hkv, T, D) at columns [length, length + T). */
    void write(int layer, NDArray k, NDArray v) {
        long t = k.getShape().get(2);
        NDIndex at = new NDIndex().addAllDim().addAllDim().addSliceDim(length, length + t);
        keys[layer].set(at, k);
        values[layer].set(at, v);
    }

    /** Layer {@code layer}'s keys (B, Hkv, to - from, D) over columns [from, to) (a view). */
    NDArray keys(int layer, int from, int to) {
        return keys[layer].get(new NDIndex().addAllDim().addAllDim().addSliceDim(from, to));
    }

    /**
     * Layer {@code layer}'s keys transposed (B, Hkv, D, W) over the first W columns, W covering the first {@code to}
     * ({@link #coverColumns}; a view): columns past {@code to} are unfilled and {@link #prefixMask} hides them.
     */
    NDArray prefixKeysTransposed(int layer, int to) {
        coverColumns(to);
        return keysT[layer];
    }

    /** Layer {@code layer}'s values (B, Hkv, W, D) over the same W columns as {@link #prefixKeysTransposed}. */
    NDArray prefixValues(int layer, int to) {
        coverColumns(to);
        return valueViews[layer];
    }

    /** The additive mask (B, 1, 1, W) of a query over the same W columns: pads and unfilled columns are masked. */
    NDArray prefixMask(int to) {
        coverColumns(to);
        return keyBiasView;
    }

    /** The columns the prefix views cover now (0 before the first read). */
    int viewWidth() {
        return viewWidth;
    }

    /** Layer {@code layer}'s values (B, Hkv, to - from, D) over columns [from, to) (a view). */
    NDArray values(int layer, int from, int to) {
        return values[layer].get(new NDIndex().addAllDim().addAllDim().addSliceDim(from, to));
    }

    /** The additive mask (B, 1, 1, to - from) of one new query over key columns [from, to). */
    NDArray singleQueryMask(int from, int to) {
        return keyBias.get(columns(from, to)).reshape(batchSize(), 1, 1, to - from);
    }

    /** After a forward pass wrote {@code t} columns: they count as filled, positions move on. */
    void advance(int t, boolean positionsAlreadySet) {
        length += t;
        if (!positionsAlreadySet) {
            positions.addi(one);
        }
    }

    /** Keeps only the given rows (indices into the current batch), in that order. */
    public void keepRows(long[] rows) {
        if (rows.length == batchSize()) {
            return;
        }
        NDArray index = manager.create(rows); // (B')
        for (int l = 0; l < keys.length; l++) {
            keys[l] = replace(keys[l], keys[l].get(index));
            values[l] = replace(values[l], values[l].get(index));
        }
        keyBias = replace(keyBias, keyBias.get(index));
        positions = replace(positions, positions.get(index));
        index.close();
        closeViews(); // they viewed the replaced buffers
    }

    private NDArray replace(NDArray old, NDArray fresh) {
        fresh.attach(manager);
        NDScope.unregister(fresh);
        old.close();
        return fresh;
    }

    private void requireRoom(int columns) {
        if (columns > capacity) {
            throw new IllegalStateException("KV cache full: " + columns + " columns needed, " + capacity + " allocated");
        }
    }

    private static NDIndex columns(int from, int to) {
        return new NDIndex().addAllDim().addSliceDim(from, to);
    }

    private static void keep(NDArray... arrays) {
        NDScope.unregister(arrays);
    }

    /** Frees every array of the cache. */
    @Override
    public void close() {
        manager.close();
    }
}
