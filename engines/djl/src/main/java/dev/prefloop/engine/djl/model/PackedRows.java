package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.SparseFormat;

/**
 * PackedRows keeps only the N real tokens of a (B, T) grid of right-padded rows as (N, ...) rows, so the
 * projections and MLPs of a training forward pass do no work on padding; attention, which needs the grid,
 * gathers it back per layer. Both moves are index gathers, differentiable with respect to what they read.
 *
 * @param toGrid (B * T) int64: the packed row each grid cell reads (a pad cell reads row 0: its query output
 *     is dropped and the mask hides it as a key, so it adds nothing, gradients included; in a grid handed back
 *     to a caller, pad cells hold copies of row 0)
 * @param fromGrid (N) int64: the grid cell (row * T + column) of each packed row
 * @param rows B
 * @param columns T
 */
public record PackedRows(NDArray toGrid, NDArray fromGrid, int rows, int columns) {

    /** Padding worth skipping: below this share the two gathers per layer cost about what they save. */
    private static final double MIN_PAD_SHARE = 1.0 / 16;

    /**
     * The real cells of an attention mask (B, T) (nonzero = real), or null when fewer than 1/16 of the cells are
     * padding. Reads the mask to the host.
     */
    public static PackedRows of(NDArray attentionMask) {
        int b = Math.toIntExact(attentionMask.getShape().get(0));
        int t = Math.toIntExact(attentionMask.getShape().get(1));
        long[] mask = attentionMask.toType(ai.djl.ndarray.types.DataType.INT64, false).toLongArray();
        int n = 0;
        for (long v : mask) {
            n += v != 0 ? 1 : 0;
        }
        if (n == 0 || (double) (mask.length - n) / mask.length < MIN_PAD_SHARE) {
            return null;
        }
        long[] toGrid = new long[mask.length];
        long[] fromGrid = new long[n];
        int k = 0;
        for (int cell = 0; cell < mask.length; cell++) {
            if (mask[cell] != 0) {
                fromGrid[k] = cell;
                toGrid[cell] = k++;
            }
        }
        NDManager m = attentionMask.getManager();
        return new PackedRows(m.create(toGrid), m.create(fromGrid), b, t);
    }

    /** (N, X) packed rows -> (B, T, X) grid. */
    public NDArray grid(NDArray packed) {
        NDArray g = gather(toGrid, packed); // (B * T, X)
        return g.reshape(rows, columns, packed.getShape().get(1));
    }

    /** (B, T, X) grid -> (N, X) packed rows. */
    public NDArray packed(NDArray grid) {
        long x = grid.getShape().get(2);
        return gather(fromGrid, grid.reshape((long) rows * columns, x));
    }

    private static NDArray gather(NDArray index, NDArray table) {
        // An embedding lookup: index_select with a gradient for the table, which NDArray.get(NDIndex) lacks here.
        return index.getNDArrayInternal().embedding(index, table, SparseFormat.DENSE).singletonOrThrow();
    }
}
