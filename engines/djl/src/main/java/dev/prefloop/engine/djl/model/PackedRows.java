package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.SparseFormat;

/**
 * PackedRows keeps only the N real tokens of a (B, T) grid of right-padded rows as (N, ...) rows, so the
 * projections and MLPs of a training forward pass do no work on padding; attention, which needs the grid,
 * gathers it back per layer. Both moves are index gathers, differentiable with respect to what they read.
 *
 * @param toGrid (B * T) int64: the packed row each grid cell reads (a pad cell reads row 0: its query output
 *     is dropped and the mask hides it as a key, so it adds nothing, gradients included)
 * @param fromGrid (N) int64: the grid cell (row * T + column) of each packed row
 * @param rows B
 * @param columns T
 */
public record PackedRows(NDArray toGrid, NDArray fromGrid, int rows, int columns) {

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
