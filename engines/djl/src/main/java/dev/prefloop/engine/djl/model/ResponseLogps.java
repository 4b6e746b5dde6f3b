package dev.prefloop.engine.djl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * ResponseLogps reads log p(x_t | x_<t) off next-token logits: token t is scored by the logits of
 * column t - 1, so column 0 is never scored. Only the target's entry is gathered from a float32
 * log-softmax; nothing of size (B, T, V) is made in float64.
 */
public final class ResponseLogps {

    private ResponseLogps() {}

    /** Logits (B, T, V), ids (B, T) int64 -> (B, T - 1) float32; column j holds log p(ids[:, j + 1]). */
    public static NDArray perToken(NDArray logits, NDArray inputIds) {
        long t = logits.getShape().get(1);
        NDArray scoring = logits.get(new NDIndex(":, 0:{}", t - 1)); // (B, T-1, V)
        return ofTargets(scoring, inputIds.get(new NDIndex(":, 1:"))); // (B, T-1)
    }

    /** Logits (B, L, V) predicting targets (B, L) -> log p of each target (B, L) float32. */
    public static NDArray ofTargets(NDArray logits, NDArray targets) {
        NDArray scoring = DtypeCast.to(logits, DataType.FLOAT32);
        NDArray index = targets.getDataType() == DataType.INT64 ? targets : targets.toType(DataType.INT64, false);
        NDArray logp = scoring.logSoftmax(2); // (B, L, V)
        return logp.gather(index.expandDims(2), 2).squeeze(2); // (B, L)
    }

    /**
     * The columns [from, to) between the first and the last token marked in {@code responseMask} (B, T) in any
     * row, column 0 left out (nothing predicts it); null when nothing is marked. Reads the mask on the host.
     */
    public static int[] markedSpan(NDArray responseMask) {
        int t = Math.toIntExact(responseMask.getShape().get(1));
        NDManager m = responseMask.getManager();
        NDArray marked = responseMask.neq(m.zeros(new Shape(), responseMask.getDataType()))
                .toType(DataType.INT32, false).max(new int[] {0}); // (T): 1 where some row marks the column
        int[] any = marked.toIntArray();
        int from = 1;
        while (from < t && any[from] == 0) {
            from++;
        }
        int to = t;
        while (to > from && any[to - 1] == 0) {
            to--;
        }
        return from < to ? new int[] {from, to} : null;
    }

    /** Per-token log p (B, L) with the tokens {@code marks} (B, L) leaves unmarked set to 0. */
    public static NDArray keepMarked(NDArray perToken, NDArray marks) {
        NDManager m = perToken.getManager();
        NDArray scored = marks.neq(m.zeros(new Shape(), marks.getDataType()));
        // where, not a product: a masked -inf must give 0, not NaN.
        return NDArrays.where(scored, perToken, m.zeros(new Shape(), DataType.FLOAT32));
    }

    /**
     * Sums (B) float32 of log p over the tokens marked in {@code responseMask} (B, T) (1 = scored,
     * e.g. the response's columns); a mark on column 0 is ignored, as nothing predicts that token.
     */
    public static NDArray sum(NDArray logits, NDArray inputIds, NDArray responseMask) {
        return masked(perToken(logits, inputIds), responseMask).sum(new int[] {1});
    }

    /** Per-token log p (B, T - 1) with unmarked tokens set to 0. */
    public static NDArray masked(NDArray perToken, NDArray responseMask) {
        return keepMarked(perToken, responseMask.get(new NDIndex(":, 1:"))); // (B, T-1)
    }
}
