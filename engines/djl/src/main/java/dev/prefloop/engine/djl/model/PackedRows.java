package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;

/**
 * PackedRows keeps only the N real tokens of a (B, T) grid of padded rows as (N, ...) rows, so the
 * projections and MLPs of a forward pass do no work on padding; attention, which needs the grid,
 * gathers it back per layer. Both moves are index gathers, differentiable with respect to what they read.
 *
 * @param toGrid (B * T) int64: the packed row each grid cell reads (a pad cell reads row 0: its query output
 *     is dropped and the mask hides it as a key, so it adds nothing, gradients included; in a grid handed back
 *     to a caller, pad cells hold copies of row 0)
 * @param fromGrid (N) int64: the grid cell (row * T + column) of each packed row
 * @param rowOfCell toGrid on the host, for callers that pick packed rows by grid cell
 * @param rows B
 * @param columns T
 */
public record PackedRows(NDArray toGrid, NDArray fromGrid, long[] rowOfCell, int rows, int columns) {

    /** Padding worth skipping: below this share the two gathers per layer cost about what they save. */
    private static final double MIN_PAD_SHARE = 1.0 / 16;

    /** The real cells of {@code real} (B * T, nonzero = real), packed whatever their share. */
    public static PackedRows of(long[] real, int rows, int columns, NDManager manager) {
        int n = 0;
        for (long v : real) {
            n += v != 0 ? 1 : 0;
        }
        long[] toGrid = new long[real.length];
        long[] fromGrid = new long[n];
        int k = 0;
        for (int cell = 0; cell < real.length; cell++) {
            if (real[cell] != 0) {
                fromGrid[k] = cell;
                toGrid[cell] = k++;
            }
        }
        return new PackedRows(manager.create(toGrid), manager.create(fromGrid), toGrid, rows, columns);
    }

    /**
     * The real cells of a host attention mask (B * T, nonzero = real), or null when fewer than 1/16 of the cells
     * are padding (or none is real).
     */
    public static PackedRows ifWorthIt(long[] real, int rows, int columns, NDManager manager) {
        int pads = 0;
        for (long v : real) {
            pads += v == 0 ? 1 : 0;
        }
        return pads == real.length || (double) pads / real.length < MIN_PAD_SHARE ? null
                : of(real, rows, columns, manager);
    }

    /** {@link #ifWorthIt(long[], int, int, NDManager)} of an attention mask (B, T), read to the host. */
    public static PackedRows ifWorthIt(NDArray attentionMask) {
        return ifWorthIt(hostMask(attentionMask), Math.toIntExact(attentionMask.getShape().get(0)),
                Math.toIntExact(attentionMask.getShape().get(1)), attentionMask.getManager());
    }

    /** An attention mask's values on the host, as int64. */
    public static long[] hostMask(NDArray attentionMask) {
        return attentionMask.toType(DataType.INT64, false).toLongArray();
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
