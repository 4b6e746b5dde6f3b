package dev.prefloop.engine.djl.generate;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * TopP is transformers' TopPLogitsWarper (nucleus sampling, Holtzman et al. 2019): sorted
 * ascending, the tokens whose cumulative probability is at most 1 - top_p are removed, so the
 * smallest set of top tokens holding at least top_p of the mass stays (always at least one).
 *
 * <p>Done with one sort of values and a threshold instead of transformers' scatter back through
 * the sort permutation: the n kept tokens are those scoring at least the n-th highest score. The
 * two differ only on exact ties at the threshold, where torch's unstable sort is arbitrary anyway.
 */
public final class TopP implements LogitsProcessor {

    private final float topP;

    /** 0 < topP < 1 (1 keeps everything and is left out of the pipeline). */
    public TopP(double topP) {
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], got " + topP);
        }
        this.topP = (float) topP;
    }

    @Override
    public NDArray process(NDArray scores, NDArray seen) {
        NDManager m = scores.getManager();
        long v = scores.getShape().get(1);
        NDArray sorted = scores.sort(1); // (B, V) ascending
        NDArray cumulative = sorted.softmax(1).cumSum(1); // (B, V)
        NDArray kept = cumulative.gt(m.full(new Shape(), 1 - topP)).toType(DataType.INT64, false).sum(new int[] {1}, true); // (B, 1) >= 1
        NDArray firstKept = m.full(new Shape(), v, DataType.INT64).sub(kept); // (B, 1): sorted column of the lowest kept score
        NDArray threshold = sorted.gather(firstKept, 1); // (B, 1)
        NDArray minusInf = m.full(new Shape(), Float.NEGATIVE_INFINITY);
        return NDArrays.where(scores.gte(threshold), scores, minusInf);
    }
}
