package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * AttentionMask builds the additive mask eager attention adds to its scores, as transformers'
 * masking_utils defines it: query i (cache column {@code queryStart + i}) sees key j iff j <= the
 * query's column, j is not padding, and, with a sliding window W, j > the query's column - W.
 * Allowed entries are 0, the others float32's lowest value (not -inf: a fully masked pad row then
 * gets a uniform distribution, never NaN).
 *
 * <p>Columns are cache columns, not positions: for a left-padded row they differ by the row's pad
 * count, which is why the window counts columns. A KV cache passes the growing key mask and the
 * column of its first new query.
 */
public final class AttentionMask {

    private AttentionMask() {}

    /**
     * The mask (B, 1, 1, T, S) for T queries starting at cache column {@code queryStart} over the
     * S keys whose padding mask (B, S) is {@code keyMask} (1 = real token, 0 = pad); window 0 = none.
     */
    public static NDArray additive(NDArray keyMask, int queryStart, int queries, int window) {
        NDManager m = keyMask.getManager();
        long batch = keyMask.getShape().get(0);
        int keys = Math.toIntExact(keyMask.getShape().get(1));
        NDArray q = m.arange(queryStart, queryStart + queries, 1, DataType.INT64).reshape(queries, 1); // (T, 1)
        NDArray k = m.arange(0, keys, 1, DataType.INT64).reshape(1, keys); // (1, S)
        NDArray allowed = k.lte(q); // (T, S)
        if (window > 0) {
            NDArray lowest = m.arange(queryStart - window, queryStart - window + queries, 1, DataType.INT64)
                    .reshape(queries, 1); // (T, 1): the last column each query no longer sees
            allowed = allowed.logicalAnd(k.gt(lowest));
        }
        NDArray zero = m.zeros(new Shape(), keyMask.getDataType());
        NDArray real = keyMask.neq(zero).reshape(batch, 1, 1, 1, keys); // (B, 1, 1, 1, S)
        allowed = real.logicalAnd(allowed.reshape(1, 1, 1, queries, keys)); // (B, 1, 1, T, S)
        NDArray lowestFloat = m.full(new Shape(), -Float.MAX_VALUE);
        return allowed.logicalNot().toType(DataType.FLOAT32, false).mul(lowestFloat);
    }
}
