package dev.prefloop.engine.djl.train;

import ai.djl.ndarray.NDArray;

/**
 * CompletionColumns reads a completion mask (N, L) to the host as each row's completion columns in order, so the
 * j-th completion token of a row is found whichever layout ({@link PairLayout}) placed it.
 */
final class CompletionColumns {

    private CompletionColumns() {}

    /** Per row, the columns where {@code mask} (N, L) is 1. */
    static int[][] of(NDArray mask) {
        long[] shape = mask.getShape().getShape();
        int n = (int) shape[0];
        int l = (int) shape[1];
        float[] m = mask.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        int[][] columns = new int[n][];
        for (int i = 0; i < n; i++) {
            int count = 0;
            for (int c = 0; c < l; c++) {
                count += m[i * l + c] > 0 ? 1 : 0;
            }
            int[] row = new int[count];
            int k = 0;
            for (int c = 0; c < l; c++) {
                if (m[i * l + c] > 0) {
                    row[k++] = c;
                }
            }
            columns[i] = row;
        }
        return columns;
    }

    /** Per row, the values of {@code values} (N, L) at the row's completion columns. */
    static float[][] values(NDArray values, int[][] columns) {
        int l = (int) values.getShape().get(1);
        float[] v = values.toFloatArray();
        float[][] out = new float[columns.length][];
        for (int i = 0; i < columns.length; i++) {
            out[i] = new float[columns[i].length];
            for (int j = 0; j < columns[i].length; j++) {
                out[i][j] = v[i * l + columns[i][j]];
            }
        }
        return out;
    }
}
